"""The reading layer's canonical order: Patient first, then type, id and content, whatever order the resources came in."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from call0603.evaluator.reading import canonical_json, canonical_order

_RESOURCES = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "Observation", "Condition"])},
    optional={"id": st.sampled_from(["a", "b", "10", "9"]), "status": st.sampled_from(["final", "amended"]),
              "valueQuantity": st.builds(lambda v: {"value": Decimal(v)}, st.sampled_from(["1.0", "1.00", "2", "-0.5"]))},
)


def _by_full_key(resources: list[dict]) -> list[dict]:
    return sorted(resources, key=lambda r: (r.get("resourceType") != "Patient", str(r.get("resourceType")),
                                            str(r.get("id")), canonical_json(r)))


@given(st.lists(_RESOURCES, max_size=25))
def test_the_order_is_type_id_then_content(resources: list[dict]) -> None:
    ordered = canonical_order(list(resources))
    assert [canonical_json(r) for r in ordered] == [canonical_json(r) for r in _by_full_key(resources)]
    assert sorted(map(id, ordered)) == sorted(map(id, resources))


@given(st.lists(_RESOURCES, max_size=25), st.randoms())
def test_the_input_order_does_not_matter(resources: list[dict], rng) -> None:
    shuffled = list(resources)
    rng.shuffle(shuffled)
    assert [canonical_json(r) for r in canonical_order(shuffled)] == [canonical_json(r) for r in canonical_order(list(resources))]


def test_ties_on_type_and_id_are_broken_by_content() -> None:
    low, high = {"resourceType": "Observation", "status": "amended"}, {"resourceType": "Observation", "status": "final"}
    patient = {"resourceType": "Patient", "id": "z"}
    assert canonical_order([high, patient, low]) == [patient, low, high]
