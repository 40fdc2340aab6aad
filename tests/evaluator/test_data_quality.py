"""Imperfect real-world records (the package's data-quality rules, docs/imperfect-data.md): each kind of problem on
both sides of its rule, on the example patient's day-14 decision (day 0 2024-03-04, counts dated day 13 and 14,
a day-14 marrow of 3% blasts, M1).

With platelets set normal, the day-14 ANC alone decides: 380/µL withholds, 620/µL (the day-13 result) gives. A
problem with the day-14 ANC must never let the older day-13 ANC decide: the dose is then indeterminate, with the
resource and the problem named, unless the rest of the data settles it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

import kit_support
from call0603.evaluator.assess import assess_patient, ignored_for_error
from call0603.evaluator.assess import evaluate_patient
from call0603.evaluator.inputs import InputRefused, select_patient
from call0603.evaluator.reading import loads

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "day14-low-counts.json"
AS_OF = dt.date(2024, 3, 18)
UCUM = "http://unitsofmeasure.org"


def _base(normal_platelets: bool = True) -> dict[str, Any]:
    bundle = loads(EXAMPLE.read_bytes())
    if normal_platelets:
        _resource(bundle, "platelets-day14")["valueQuantity"]["value"] = 90
    return bundle


def _resource(bundle: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


def _assess(bundle: dict[str, Any], as_of: dt.date = AS_OF) -> dict[str, Any]:
    patient = select_patient((e["resource"] for e in bundle["entry"]), None, "test.json",
                             {e["fullUrl"]: e["resource"]["id"] for e in bundle["entry"]
                              if e["resource"].get("resourceType") == "Patient" and "fullUrl" in e})
    return assess_patient(patient, start=None, as_of=as_of, context=kit_support.context())


def _day14(bundle: dict[str, Any]) -> dict[str, Any]:
    return _assess(bundle)["idarubicin"]["day14"]


def _anc(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        anc = _resource(bundle, "anc-day14")
        for key, value in changes.items():
            if value is None:
                anc.pop(key, None)
            else:
                anc[key] = value
    return change


def _anc_quantity(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        quantity = _resource(bundle, "anc-day14")["valueQuantity"]
        for key, value in changes.items():
            if value is None:
                quantity.pop(key, None)
            else:
                quantity[key] = value
    return change


def test_the_baseline_withholds_on_the_day14_anc_alone() -> None:
    decision = _day14(_base())
    assert decision["value"] == "withhold"
    assert decision["reason"].startswith("counts low: ANC 380/µL (below 500/µL); platelets 90,000/µL (not below")


# §1: the latest unreadable result blocks the older usable one; a result set aside by rule does not.
UNREADABLE = {
    "a string value": (_anc(valueQuantity=None, valueString="0.38"), "the value is not a quantity"),
    "a boolean value": (_anc(valueQuantity=None, valueBoolean=True), "the value is not a quantity"),
    "a unit that is not UCUM": (_anc_quantity(code="x10E9/L", unit="x10E9/L"), "unit 'x10E9/L' is not a UCUM unit"),
    "a unit of another kind": (_anc_quantity(code="mg", unit="mg"), "unit 'mg' is not a UCUM unit that converts"),
    "no unit": (_anc_quantity(code=None, unit=None), "a quantity with no unit"),
    "no value": (_anc_quantity(value=None), "a quantity with no value"),
    "a numeric date": (_anc(effectiveDateTime=20240318), "effectiveDateTime 20240318 is not a FHIR dateTime"),
    "a date that is no calendar date": (_anc(effectiveDateTime="2024-02-30"), "is not a FHIR dateTime"),
    "a period with no start": (_anc(effectiveDateTime=None, effectivePeriod={"end": "2024-03-18"}),
                               "an effective period with no start"),
    "a date to the month": (_anc(effectiveDateTime="2024-03"), "dated 2024-03, not to the day"),
    "a value that is a string": (_anc_quantity(value="0.38"), "'0.38' is not a finite decimal number"),
    "NaN": (_anc_quantity(value="NaN"), "'NaN' is not a finite decimal number"),
    "Infinity": (_anc_quantity(value="Infinity"), "'Infinity' is not a finite decimal number"),
    "a negative count": (_anc_quantity(value=-5), "implausible value"),
    "a count beyond the plausible maximum": (_anc_quantity(value=5000), "implausible value 5,000,000/µL"),
    "unit text and code of different sizes": (_anc_quantity(code="/uL", unit="10*9/L", value=380),
                                              "unit text '10*9/L' and code '/uL' are different units"),
    "a subject in lower case": (_anc(subject={"reference": "patient/p-day14-low"}), "resolves to no Patient"),
    "a subject by identifier only": (_anc(subject={"identifier": {"value": "MRN-1"}}), "by identifier only"),
    "no subject": (_anc(subject=None), "no subject"),
    "an unknown subject": (_anc(subject={"reference": "Patient/someone-else"}), "resolves to no Patient"),
    "a resource type R4 does not have": (_anc(resourceType="observation"), "is not an R4 resource type"),
    "a resource type in lower case naming no patient": (_anc(resourceType="observation", subject={"identifier": {"value": "x"}}),
                                                        "is not an R4 resource type"),
}


@pytest.mark.parametrize("problem", sorted(UNREADABLE))
def test_an_unreadable_latest_anc_makes_the_dose_indeterminate(problem: str) -> None:
    change, why = UNREADABLE[problem]
    bundle = _base()
    change(bundle)
    decision = _day14(bundle)
    assert decision["value"] == "indeterminate", decision
    assert "Observation/anc-day14" in decision["reason"] and why in decision["reason"], decision["reason"]
    assert "Observation/anc-day14" in decision["evidence"]


@pytest.mark.parametrize("problem", ["a string value", "a unit that is not UCUM", "a date to the month", "no subject"])
def test_an_unreadable_anc_is_listed_and_refused_under_strict(problem: str) -> None:
    change, why = UNREADABLE[problem]
    bundle = _base()
    change(bundle)
    report = _assess(bundle)
    assert any(i["resource"] == "Observation/anc-day14" and why in i["why"] for i in report["ignored"]), report["ignored"]
    patient = select_patient((e["resource"] for e in bundle["entry"]), None, "test.json")
    evaluation = evaluate_patient(patient, start=None, as_of=AS_OF, context=kit_support.context())
    assert any(i["resource"] == "Observation/anc-day14" for i in ignored_for_error(evaluation))


@pytest.mark.parametrize("problem", ["a string value", "a unit that is not UCUM", "NaN", "no subject"])
def test_an_unreadable_result_older_than_the_valid_one_does_not_block(problem: str) -> None:
    change, _ = UNREADABLE[problem]
    bundle = _base()
    earlier = copy.deepcopy(_resource(bundle, "anc-day14"))
    earlier["effectiveDateTime"] = "2024-03-18T06:00:00+09:00"  # before the readable 07:45 result
    holder = {"entry": [{"resource": earlier}]}
    change(holder)  # the change is written for the resource with id anc-day14
    earlier["id"] = "anc-day14-earlier"
    bundle["entry"].append({"resource": earlier})
    decision = _day14(bundle)
    assert decision["value"] == "withhold" and "ANC 380/µL" in decision["reason"], decision


@pytest.mark.parametrize("status", ["cancelled", "preliminary", "entered-in-error"])
def test_a_newer_result_set_aside_by_rule_leaves_the_older_one_deciding(status: str) -> None:
    bundle = _base()
    _anc(status=status)(bundle)
    decision = _day14(bundle)
    assert decision["value"] == "give" and "ANC 620/µL" in decision["reason"], decision


def test_a_result_reported_absent_is_set_aside_by_rule() -> None:
    bundle = _base()
    _anc(valueQuantity=None, dataAbsentReason={"coding": [{"code": "not-performed"}]})(bundle)
    report = _assess(bundle)
    assert report["idarubicin"]["day14"]["value"] == "give"
    assert {"resource": "Observation/anc-day14", "why": "no result: data absent (not-performed)"} in report["ignored"]


def test_an_m3_day14_marrow_settles_the_dose_without_an_unreadable_anc() -> None:
    bundle = _base()
    _resource(bundle, "marrow-day14")["valueQuantity"]["value"] = 40
    _anc(valueQuantity=None, valueString="low")(bundle)
    decision = _day14(bundle)
    assert decision["value"] == "give" and "given regardless of counts" in decision["reason"], decision


def test_low_platelets_settle_the_counts_without_an_unreadable_anc() -> None:
    bundle = _base(normal_platelets=False)
    _anc(valueQuantity=None, valueString="low")(bundle)
    decision = _day14(bundle)
    assert decision["value"] == "withhold", decision
    assert "could not be read" in decision["reason"] and "platelets 45,000/µL (below 50,000/µL)" in decision["reason"]


# §2: qualified values decide only when the qualifier settles the comparison.
@pytest.mark.parametrize(("comparator", "value", "expected"), [
    ("<", 0.5, "withhold"),      # below 500/µL for certain
    ("<=", 0.49, "withhold"),
    ("<", 1.0, "indeterminate"),  # could be 400 or 900
    (">", 0.5, "give"),           # above 500/µL for certain
    (">=", 0.5, "give"),
    (">", 0.4, "indeterminate"),
])
def test_a_qualified_anc_decides_only_when_settled(comparator: str, value: float, expected: str) -> None:
    bundle = _base()
    _anc_quantity(comparator=comparator, value=Decimal(str(value)))(bundle)
    decision = _day14(bundle)
    assert decision["value"] == expected, decision
    if expected == "indeterminate":
        assert "does not settle" in decision["reason"]


@pytest.mark.parametrize(("comparator", "value", "expected"), [("<", 5, "M1"), ("<", 10, "indeterminate"),
                                                               (">", 25, "M3"), (">", 20, "indeterminate")])
def test_a_qualified_blast_percentage(comparator: str, value: int, expected: str) -> None:
    bundle = _base(normal_platelets=False)
    _resource(bundle, "marrow-day14")["valueQuantity"].update(comparator=comparator, value=value)
    report = _assess(bundle)
    assert report["marrow"]["day14"]["value"] == expected, report["marrow"]["day14"]
    # low counts: M3 gives, M1 or M2 (<10 %) withholds all the same, M2 or M3 (>20 %) cannot be told
    wanted = {"M1": "withhold", "indeterminate": "withhold" if value == 10 else "indeterminate", "M3": "give"}[expected]
    assert report["idarubicin"]["day14"]["value"] == wanted, report["idarubicin"]["day14"]


def test_a_qualified_height_or_weight_never_makes_a_dose() -> None:
    bundle = _base()
    _resource(bundle, "weight")["valueQuantity"]["comparator"] = ">"
    report = _assess(bundle)
    assert report["bsa"]["value"] is None and "a qualified value (>) cannot be used" in report["bsa"]["reason"]
    assert report["idarubicin"]["day0"]["dose"] is None


# §3: plausible values, exact decimals.
@pytest.mark.parametrize(("rid", "value", "code"), [("height", 900, "cm"), ("height", -148, "cm"), ("weight", 0, "kg"),
                                                     ("weight", 300, "kg"), ("height", 29, "cm")])
def test_implausible_height_or_weight_gives_no_bsa(rid: str, value: int, code: str) -> None:
    bundle = _base()
    _resource(bundle, rid)["valueQuantity"].update(value=value, code=code, unit=code)
    report = _assess(bundle)
    assert report["bsa"]["value"] is None and "implausible value" in report["bsa"]["reason"], report["bsa"]
    assert all(report["idarubicin"][d]["dose"] is None for d in ("day0", "day7"))


@pytest.mark.parametrize(("value", "band"), [(250, None), (-1, None), (100, "M3"), (0, "M1")])
def test_a_blast_percentage_outside_0_to_100_is_never_read(value: int, band: str | None) -> None:
    bundle = _base(normal_platelets=False)
    _resource(bundle, "marrow-day14")["valueQuantity"]["value"] = value
    marrow = _assess(bundle)["marrow"]["day14"]
    assert marrow["value"] == (band or "indeterminate"), marrow


@pytest.mark.parametrize(("code", "value"), [(None, 25), ("1", Decimal("0.25"))])
def test_a_bare_number_or_a_fraction_is_not_a_blast_percentage(code: str | None, value: Any) -> None:
    bundle = _base(normal_platelets=False)
    quantity = _resource(bundle, "marrow-day14")["valueQuantity"]
    quantity.update(value=value)
    for key in ("code", "unit"):
        quantity.pop(key) if code is None else quantity.update({key: code})
    report = _assess(bundle)
    assert report["marrow"]["day14"]["value"] == "indeterminate"
    # it may be M3: with low counts the day-14 dose cannot be decided
    assert report["idarubicin"]["day14"]["value"] == "indeterminate"


def test_json_decimals_are_exact_at_the_threshold() -> None:
    raw = EXAMPLE.read_bytes().replace(b'"value": 0.38', b'"value": 0.49999999999999999')
    bundle = loads(raw)
    _resource(bundle, "platelets-day14")["valueQuantity"]["value"] = 90
    assert _day14(bundle)["value"] == "withhold"
    raw = EXAMPLE.read_bytes().replace(b'"value": 0.38', b'"value": 0.5')
    bundle = loads(raw)
    _resource(bundle, "platelets-day14")["valueQuantity"]["value"] = 90
    assert _day14(bundle)["value"] == "give"


# §4: contradictions and versions.
def _second_anc(value: float, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(bundle: dict[str, Any]) -> None:
        other = copy.deepcopy(_resource(bundle, "anc-day14"))
        other.update(id="anc-day14-second", **changes)
        other["valueQuantity"]["value"] = Decimal(str(value))
        bundle["entry"].append({"resource": other})
    return change


def test_same_time_results_that_decide_differently_conflict() -> None:
    bundle = _base()
    _second_anc(0.9)(bundle)
    report = _assess(bundle)
    decision = report["idarubicin"]["day14"]
    assert decision["value"] == "indeterminate" and "conflicting ANC" in decision["reason"], decision
    conflicts = [i for i in report["ignored"] if i["why"].startswith("conflicts with another result")]
    assert {i["resource"] for i in conflicts} == {"Observation/anc-day14", "Observation/anc-day14-second"}


def test_same_time_results_that_agree_decide_and_are_both_named() -> None:
    bundle = _base()
    _second_anc(0.39)(bundle)
    decision = _day14(bundle)
    assert decision["value"] == "withhold"
    assert "380/µL and 390/µL (same time)" in decision["reason"]


def test_a_date_only_result_on_the_same_day_counts_as_the_same_time() -> None:
    bundle = _base()
    _second_anc(0.9, effectiveDateTime="2024-03-18")(bundle)
    assert _day14(bundle)["value"] == "indeterminate"


def test_identical_duplicates_are_harmless() -> None:
    bundle = _base()
    bundle["entry"].append(copy.deepcopy(next(e for e in bundle["entry"] if e["resource"].get("id") == "anc-day14")))
    assert _day14(bundle)["value"] == "withhold"


@pytest.mark.parametrize("first", [True, False])
def test_two_versions_without_order_conflict_whatever_their_order(first: bool) -> None:
    bundle = _base()
    corrected = copy.deepcopy(_resource(bundle, "anc-day14"))
    corrected.update(status="corrected")
    corrected["valueQuantity"]["value"] = Decimal("0.9")
    bundle["entry"].insert(1 if first else len(bundle["entry"]), {"resource": corrected})
    decision = _day14(bundle)
    assert decision["value"] == "indeterminate" and "2 versions of Observation/anc-day14" in decision["reason"]


@pytest.mark.parametrize("meta", [({"versionId": "1"}, {"versionId": "2"}),
                                  ({"lastUpdated": "2024-03-18T08:00:00Z"}, {"lastUpdated": "2024-03-18T09:00:00Z"})])
def test_the_later_version_stands(meta: tuple[dict[str, str], dict[str, str]]) -> None:
    bundle = _base()
    anc = _resource(bundle, "anc-day14")
    later = copy.deepcopy(anc)
    anc["meta"], later["meta"] = meta
    later["valueQuantity"]["value"] = Decimal("0.9")
    bundle["entry"].insert(1, {"resource": later})  # the later version first: order must not matter
    decision = _day14(bundle)
    assert decision["value"] == "give" and "ANC 900/µL" in decision["reason"], decision


def test_contradictory_codes_on_one_marrow_status() -> None:
    bundle = _base(normal_platelets=False)
    marrow = _resource(bundle, "marrow-day14")
    marrow.pop("valueQuantity")
    marrow["code"] = {"coding": [{"system": "http://fhir.call0603.org/CodeSystem/marrow-status", "code": "status"}]}
    system = "http://fhir.call0603.org/CodeSystem/marrow-status"
    marrow["valueCodeableConcept"] = {"coding": [{"system": system, "code": "M1"}, {"system": system, "code": "M3"}]}
    report = _assess(bundle)
    assert report["marrow"]["day14"]["value"] == "indeterminate"
    assert "contradictory codes M1 and M3" in report["marrow"]["day14"]["reason"]
    assert report["idarubicin"]["day14"]["value"] == "indeterminate"


# §5: whose data it is.
@pytest.mark.parametrize("reference", ["Patient/p-day14-low/_history/2", "http://example.org/fhir/Patient/p-day14-low",
                                       "http://example.org/fhir/Patient/p-day14-low/_history/7"])
def test_references_that_resolve_to_the_patient(reference: str) -> None:
    bundle = _base()
    _anc(subject={"reference": reference})(bundle)
    assert _day14(bundle)["value"] == "withhold"


def test_a_fullurl_reference_resolves() -> None:
    bundle = _base()
    bundle["entry"][0]["fullUrl"] = "urn:uuid:6f1c7a66-1c8f-4e0a-9d2b-2a9b8e2f1c11"
    _anc(subject={"reference": "urn:uuid:6f1c7a66-1c8f-4e0a-9d2b-2a9b8e2f1c11"})(bundle)
    assert _day14(bundle)["value"] == "withhold"


def test_a_result_of_another_patient_present_is_not_this_patients() -> None:
    bundle = _base()
    bundle["entry"].append({"resource": {"resourceType": "Patient", "id": "other"}})
    _anc(subject={"reference": "Patient/other"})(bundle)
    patient = select_patient((e["resource"] for e in bundle["entry"]), "Patient/p-day14-low", "test.json")
    report = assess_patient(patient, start=None, as_of=AS_OF, context=kit_support.context())
    assert report["idarubicin"]["day14"]["value"] == "give"  # the day-13 ANC 620/µL is this patient's latest
    assert all(i["resource"] != "Observation/anc-day14" for i in report["ignored"])


def test_a_resource_type_nobody_knows_is_listed() -> None:
    bundle = _base()
    bundle["entry"].append({"resource": {"resourceType": "LabThing", "id": "x", "subject": {"reference": "Patient/p-day14-low"}}})
    report = _assess(bundle)
    assert {"resource": "LabThing/x", "why": "resourceType 'LabThing' is not an R4 resource type"} in report["ignored"]


def test_an_entry_without_a_resource_type_refuses_the_document() -> None:
    bundle = _base()
    bundle["entry"].append({"resource": {"id": "x"}})
    with pytest.raises(InputRefused, match=r"entry\[\d+\]"):
        from call0603.evaluator.inputs import _bundle_resources
        _bundle_resources(bundle, Path("test.json"))


# §6: dates and death.
def test_an_instant_is_a_result_time() -> None:
    bundle = _base()
    _anc(effectiveDateTime=None, effectiveInstant="2024-03-18T07:45:00+09:00")(bundle)
    assert _day14(bundle)["value"] == "withhold"


def test_deceased_without_a_date_withholds_from_the_as_of_date_on() -> None:
    bundle = _base()
    bundle["entry"][0]["resource"]["deceasedBoolean"] = True
    report = _assess(bundle, dt.date(2024, 3, 25))
    assert report["idarubicin"]["day21"] == {**report["idarubicin"]["day21"], "value": "withhold",
                                              "reason": "patient deceased, date not recorded"}
    assert report["idarubicin"]["day0"]["value"] == "give"  # history keeps its decision
    assert report["response"]["value"] == "indeterminate"
    assert report["followUp"]["deathDateUnknown"] is True


def test_an_as_of_date_before_day_0_leaves_everything_pending() -> None:
    report = _assess(_base(), dt.date(2024, 2, 1))
    assert {d["value"] for d in report["idarubicin"].values()} == {"pending"}
    assert {m["value"] for m in report["marrow"].values()} == {"pending"}
    assert report["cr2"]["value"] == "pending"


def test_a_careplan_start_to_the_month_is_no_day_0() -> None:
    bundle = _base()
    _resource(bundle, "reinduction")["period"]["start"] = "2024-03"
    with pytest.raises(InputRefused, match="no start date"):
        _assess(bundle)


# Order independence: the report does not depend on the order of entries.
def test_entry_order_never_changes_the_report() -> None:
    bundle = _base()
    _second_anc(0.39)(bundle)
    expected = json.dumps(_assess(bundle), sort_keys=True)
    for seed in range(5):
        shuffled = copy.deepcopy(bundle)
        entries = shuffled["entry"]
        entries[:] = entries[seed:] + entries[:seed]
        entries.reverse()
        assert json.dumps(_assess(shuffled), sort_keys=True) == expected
