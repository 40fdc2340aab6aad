"""Every kit scenario's ELM through cql-execution 3.3.2 + cql-exec-fhir: every define of the main library has the
built-in evaluator's value (save a listed divergence that is exactly its stated departure), and every hand-written
expected decision holds there too. All scenarios run in one node process per start/as-of pair."""

from __future__ import annotations

import pytest

import kit_support
from call0603.cql.crossengine import ANY, Mismatch, patient_defines
from call0603.testkit.divergences import FHIR_ELEMENTS, KNOWN_DIVERGENCES, LISTED, MAIN, accounted_for
from call0603.testkit.run import package_elm
from call0603.testkit.scenarios import SCENARIOS

NAMES = sorted(s.name for s in SCENARIOS)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_agrees_in_cql_execution(name: str) -> None:
    outcomes, _ = kit_support.cross_engine()
    assert outcomes[name].passed, outcomes[name].failures


def test_every_listed_divergence_still_happens() -> None:
    _, stale = kit_support.cross_engine()
    assert stale == ()


def test_listed_divergences_name_real_defines_with_a_reason() -> None:
    context = kit_support.context()
    main = next(e for e in package_elm(context) if e["library"]["identifier"]["id"] == context.library)
    assert context.library == MAIN
    defines = set(patient_defines(main))
    for d in KNOWN_DIVERGENCES:
        assert d.define in defines and d.patient == ANY and d.reason, d


def _bsa(value: str, reason: str) -> dict:
    return {"Tuple": {"value": {"Decimal": value}, "unit": "m2", "formula": "mosteller", "reason": reason, "evidence": []}}


def test_a_listed_define_that_differs_beyond_its_departure_is_not_accounted_for() -> None:
    define = "Body Surface Area"
    assert define in LISTED
    reason = "mosteller BSA from height 148 cm and weight 38.5 kg"
    floats = Mismatch(MAIN, define, "p", _bsa("1.25808497", reason), _bsa("1.2580849644510412", reason))
    assert accounted_for(floats)
    other_reason = Mismatch(MAIN, define, "p", _bsa("1.25808497", reason), _bsa("1.2580849644510412", "no height"))
    assert not accounted_for(other_reason)
    other_number = Mismatch(MAIN, define, "p", _bsa("1.25808497", reason), _bsa("1.26", reason))
    assert not accounted_for(other_number)


def test_an_unlisted_define_is_never_accounted_for() -> None:
    assert not accounted_for(Mismatch(MAIN, "CR2", "p", {"Tuple": {"value": "met"}}, {"Tuple": {"value": "met "}}))


def test_fhir_elements_departure_only_sets_aside_the_representation() -> None:
    ours = [{"FHIR": {"reference": "Observation/anc-day14"}}]
    theirs = [{"Tuple": {"reference": {"Tuple": {"value": "Observation/anc-day14"}}}}]
    assert FHIR_ELEMENTS.normalize(ours) == FHIR_ELEMENTS.normalize(theirs)
    other = [{"Tuple": {"reference": {"Tuple": {"value": "Observation/anc-day13"}}}}]
    assert FHIR_ELEMENTS.normalize(ours) != FHIR_ELEMENTS.normalize(other)
