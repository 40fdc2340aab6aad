"""The reading layer: its canonical order (Patient first, then type, id and content, whatever order the resources came
in), and reference ranges whose bounds are not finite numbers."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from call0603.evaluator.reading import canonical_json, canonical_order, prepare

URL = "http://example.org/data-problem"

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


def _observation(ranges: list) -> dict:
    return {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p1"}, "status": "final",
            "valueQuantity": {"value": Decimal("1.5")}, "referenceRange": ranges}


def test_a_reference_range_bound_that_is_not_a_finite_number_is_removed_and_flagged() -> None:
    given = _observation([{"low": {"value": Decimal("1")}, "high": {"value": Decimal("Infinity"), "unit": "g/L"}},
                          {"text": "normal"}])
    before = canonical_json(given)
    (read,), _ = prepare([given], "p1", URL)
    assert read["referenceRange"] == [{"low": {"value": Decimal("1")}, "high": {"unit": "g/L"}}, {"text": "normal"}]
    assert read["extension"] == [{"url": URL, "valueString": "referenceRange.high.value Decimal('Infinity') is not a "
                                                            "finite decimal number"}]
    assert canonical_json(given) == before


def test_finite_reference_ranges_leave_the_resource_as_it_is() -> None:
    given = _observation([{"low": {"value": Decimal("1")}, "high": {"value": 3}}])
    (read,), problems = prepare([given], "p1", URL)
    assert read is given and not problems
