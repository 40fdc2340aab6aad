"""The package CQL's clinical rules at their boundaries, on the reference JS engine (cql-execution 3.3.2) and on ours.

Each scenario is one patient; scenarios run in one call per as-of date and engine. Day 0 is 2024-03-04
(day 7 = 03-11, day 14 = 03-18, day 21 = 03-25, day 28 = 04-01).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from call0603.authoring.cql import fhirhelpers_source
from call0603.authoring.library import compile_libraries
from call0603.authoring.terminology import build_terminology
from call0603.cql.crossengine import run_cql_execution, run_engine
from call0603.guideline import load_guideline
from call0603.translator import translate

DAY0 = date(2024, 3, 4)
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
MARROW_STATUS = "http://fhir.call0603.org/CodeSystem/marrow-status"


def day(n: int) -> str:
    return (DAY0 + timedelta(days=n)).isoformat()


@dataclass
class Scenario:
    """One patient: its resources, as-of study day, and the expected values of some defines."""

    name: str
    as_of: int
    expect: dict[str, Any]
    resources: list[dict[str, Any]] = field(default_factory=list)
    birth: str = "2014-05-01"
    deceased: str | None = None

    def bundle(self) -> dict[str, Any]:
        patient: dict[str, Any] = {"resourceType": "Patient", "id": self.name, "birthDate": self.birth}
        if self.deceased:
            patient["deceasedDateTime"] = self.deceased
        entries = [patient, *copy.deepcopy(self.resources)]
        for i, r in enumerate(entries[1:]):
            r.setdefault("id", f"{self.name}-{i}")
            r["subject"] = {"reference": f"Patient/{self.name}"}
        return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in entries]}


def qty(code: str, value: float | int, unit: str, when: str, status: str = "final") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": status, "code": {"coding": [{"system": LOINC, "code": code}]},
            "effectiveDateTime": when, "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}


def anc(value: float | int, on: int, unit: str = "/uL", status: str = "final") -> dict[str, Any]:
    return qty("751-8", value, unit, day(on) + "T08:00:00+09:00", status)


def plt(value: float | int, on: int, unit: str = "/uL") -> dict[str, Any]:
    return qty("777-3", value, unit, day(on) + "T08:00:00+09:00")


def marrow(blasts: float, on: int) -> dict[str, Any]:
    return qty("11150-0", blasts, "%", day(on))


def coded_marrow(status: str, on: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": MARROW_STATUS, "code": "status"}]},
            "effectiveDateTime": day(on), "valueCodeableConcept": {"coding": [{"system": MARROW_STATUS, "code": status}]}}


def csf_blasts(present: bool, on: int) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://fhir.call0603.org/CodeSystem/findings", "code": "csf-blasts"}]},
            "effectiveDateTime": day(on), "valueBoolean": present}


def condition(system: str, code: str, onset: str, *, sites: tuple[str, ...] = (), status: str | None = None,
              verification: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"resourceType": "Condition", "code": {"coding": [{"system": system, "code": code}]}, "onsetDateTime": onset}
    if sites:
        c["bodySite"] = [{"coding": [{"system": SNOMED, "code": s}]} for s in sites]
    if status:
        c["clinicalStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]}
    if verification:
        c["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]}
    return c


D14 = "Idarubicin Day 14 Decision"
M1_14 = marrow(3, 14)
GOOD_PLT = plt(100000, 14)
HISTORY = [
    condition(SNOMED, "277571004", "2021-01-10"),
    condition(ICD10, "C91.02", "2024-02-20", sites=("14016003",)),
]

SCENARIOS = [
    # idarubicin day 14: thresholds are strict, units convert exactly, the M3 override, pending and missing data
    Scenario("anc499", 16, {D14: "withhold"}, [anc(499, 14), GOOD_PLT, M1_14]),
    Scenario("anc500", 16, {D14: "give"}, [anc(500, 14), GOOD_PLT, M1_14]),
    Scenario("anc501", 16, {D14: "give"}, [anc(501, 14), GOOD_PLT, M1_14]),
    Scenario("anc05k", 16, {D14: "give"}, [anc(0.5, 14, "10*3/uL"), GOOD_PLT, M1_14]),
    Scenario("anc04g", 16, {D14: "withhold"}, [anc(0.4, 14, "10*9/L"), GOOD_PLT, M1_14]),
    Scenario("plt49999", 16, {D14: "withhold"}, [anc(900, 14), plt(49999, 14), M1_14]),
    Scenario("plt50000", 16, {D14: "give"}, [anc(900, 14), plt(50000, 14), M1_14]),
    Scenario("m3override", 16, {D14: "give", "Idarubicin Day 21 Decision": "pending"}, [anc(400, 14), GOOD_PLT, marrow(30, 14)]),
    Scenario("awaitmarrow", 14, {D14: "indeterminate"}, [anc(400, 14), GOOD_PLT]),
    Scenario("marrowmissing", 16, {D14: "withhold"}, [anc(400, 14), GOOD_PLT]),
    Scenario("ancmissing", 16, {D14: "indeterminate"}, [GOOD_PLT, M1_14]),
    Scenario("pltlowalone", 16, {D14: "withhold"}, [plt(40000, 13), M1_14]),
    Scenario("tooearly", 16, {D14: "indeterminate"}, [anc(400, 12), GOOD_PLT, M1_14]),
    Scenario("preliminary", 16, {D14: "give"}, [anc(400, 14, status="preliminary"), anc(800, 13), GOOD_PLT, M1_14]),
    Scenario("ownoffset", 16, {D14: "indeterminate"}, [qty("751-8", 400, "/uL", day(12) + "T23:30:00-05:00"), GOOD_PLT, M1_14]),
    Scenario("afterasof", 14, {D14: "indeterminate", "Marrow Day 14 Status": "pending"}, [anc(400, 14), GOOD_PLT, marrow(30, 15)]),
    Scenario("kelvin", 16, {D14: "indeterminate"}, [anc(0.4, 14, "K/uL"), GOOD_PLT, M1_14]),
    Scenario("pending", 12, {D14: "pending", "Idarubicin Day 7 Decision": "give", "Idarubicin Day 0 Decision": "give"}, []),
    Scenario("deceased", 12, {D14: "withhold", "Idarubicin Day 7 Decision": "give"}, [], deceased=day(10) + "T10:00:00+09:00"),
    # marrow bands at 4.9 / 5 / 25 / 25.1, and day 14 not indicated after a day-7 M1
    Scenario("b49", 20, {"Marrow Day 7 Status": "M1", "Marrow Day 14 Status": "not-indicated", "Day 14 Marrow Indicated": False}, [marrow(4.9, 7)]),
    Scenario("b5", 20, {"Marrow Day 7 Status": "M2", "Marrow Day 14 Status": "missing", "Day 14 Marrow Indicated": True}, [marrow(5, 7)]),
    Scenario("b25", 10, {"Marrow Day 7 Status": "M2", "Marrow Day 14 Status": "pending"}, [marrow(25, 7)]),
    Scenario("b251", 10, {"Marrow Day 7 Status": "M3"}, [marrow(25.1, 7), coded_marrow("M2", 7)]),
    Scenario("coded", 10, {"Marrow Day 7 Status": "M1"}, [coded_marrow("M1", 6)]),
    Scenario("d7open", 8, {"Marrow Day 7 Status": "pending"}, []),
    Scenario("d7missing", 9, {"Marrow Day 7 Status": "missing"}, []),
    # relapse timing: 23 whole months is early, 24 is late
    Scenario("early23", 0, {"Relapse Timing": "early"}, [condition(SNOMED, "277571004", "2020-01-15"), condition(ICD10, "C91.02", "2022-01-14")]),
    Scenario("late24", 0, {"Relapse Timing": "late"}, [condition(SNOMED, "277571004", "2020-01-15"), condition(ICD10, "C91.02", "2022-01-15")]),
    # eligibility: age >= 1 and < 22 on the relapse date; exclusions; unknowns
    Scenario("eligible", 0, {"Eligibility": "eligible", "Eligible": True}, [*HISTORY, marrow(80, -14)]),
    Scenario("age099", 0, {"Eligibility": "not-eligible"}, HISTORY, birth="2023-02-21"),
    Scenario("age1", 0, {"Eligibility": "eligible"}, HISTORY, birth="2023-02-20"),
    Scenario("age2199", 0, {"Eligibility": "eligible"}, HISTORY, birth="2002-02-21"),
    Scenario("age22", 0, {"Eligibility": "not-eligible"}, HISTORY, birth="2002-02-20"),
    Scenario("combined", 0, {"Eligibility": "eligible"}, [*HISTORY, condition(ICD10, "C91.02", "2024-02-20", sites=("40689003",))]),
    Scenario("second", 0, {"Eligibility": "not-eligible"}, [*HISTORY, condition(ICD10, "C91.02", "2022-06-01", status="remission")]),
    Scenario("lowmarrow", 0, {"Eligibility": "not-eligible"}, [*HISTORY, marrow(25, -13)]),
    Scenario("down", 0, {"Eligibility": "not-eligible", "Eligible": False}, [*HISTORY, condition(SNOMED, "41040004", "2014-05-01")]),
    Scenario("refuteddown", 0, {"Eligibility": "eligible"}, [*HISTORY, condition(SNOMED, "41040004", "2014-05-01", verification="refuted")]),
    Scenario("genericall", 0, {"Eligibility": "indeterminate", "Eligible": False},
             [condition(SNOMED, "91857003", "2021-01-10"), HISTORY[1]]),
    # CNS status: CSF WBC > 5/uL with lymphoblasts; <= 5 negative; > 5 without cytology indeterminate
    Scenario("cnspos", 0, {"CNS Status": "positive", "CNS Positive": True, "CNS Negative": False},
             [qty("26465-5", 6, "/uL", day(-2)), csf_blasts(True, -2)]),
    Scenario("cnsneg", 0, {"CNS Status": "negative", "CNS Negative": True}, [qty("26465-5", 5, "/uL", day(-2))]),
    Scenario("cnsunknown", 0, {"CNS Status": "indeterminate", "CNS Status Indeterminate": True}, [qty("26465-5", 6, "/uL", day(-2))]),
    Scenario("cnssite", 0, {"CNS Status": "positive"}, [condition(ICD10, "C91.02", day(-5), sites=("14016003", "12738006"))]),
    # CR2 and response at day 28
    Scenario("rer", 31, {"CR2": "met", "Response": "RER"},
             [marrow(3, 7), marrow(2, 28), anc(750, 28), plt(75000, 28), qty("26446-5", 0, "%", day(28))]),
    Scenario("ser", 31, {"CR2": "met", "Response": "SER"},
             [marrow(3, 7), marrow(6, 14), marrow(2, 28), anc(900, 28), plt(90000, 28), qty("26446-5", 0, "%", day(28))]),
    Scenario("failure", 31, {"CR2": "not-met", "Response": "induction-failure"},
             [marrow(3, 7), marrow(2, 28), anc(749, 28), plt(90000, 28), qty("26446-5", 0, "%", day(28))]),
    Scenario("cr2open", 29, {"CR2": "pending", "Response": "pending"}, [marrow(3, 7), marrow(2, 28), anc(900, 28), plt(90000, 28)]),
    Scenario("cr2closed", 31, {"CR2": "indeterminate", "Response": "indeterminate"}, [marrow(3, 7), marrow(2, 28), anc(900, 28), plt(90000, 28)]),
    Scenario("death", 31, {"Response": "induction-death"}, [], deceased=day(20)),
    # BSA (Mosteller) from the latest height and weight within 30 days before day 0; older ones are not used
    Scenario("bsa", 16, {D14: "give"}, [qty("8302-2", 1.4, "m", day(-30)), qty("29463-7", 35000, "g", day(0)), anc(600, 14), GOOD_PLT]),
    Scenario("bsaold", 16, {D14: "give"}, [qty("8302-2", 140, "cm", day(-31)), qty("29463-7", 35, "kg", day(0)), anc(600, 14), GOOD_PLT]),
]


ENGINES = {"cql-execution": run_cql_execution, "call0603": run_engine}


@pytest.fixture(scope="module", params=sorted(ENGINES))
def results(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """Every scenario's results, from the reference JS engine and from the package's own engine."""
    run = ENGINES[request.param]
    guideline = load_guideline()
    main, common = compile_libraries(guideline)
    fhirhelpers = translate({"FHIRHelpers": fhirhelpers_source()})["FHIRHelpers"].elm
    value_sets = [r for r in build_terminology(guideline) if r["resourceType"] == "ValueSet"]
    out: dict[str, dict[str, Any]] = {}
    for as_of in sorted({s.as_of for s in SCENARIOS}):
        group = [s for s in SCENARIOS if s.as_of == as_of]
        when = DAY0 + timedelta(days=as_of)
        answer = run(
            [main.elm, common.elm, fhirhelpers], main.name, [s.bundle() for s in group],
            parameters={"start": {"Date": [DAY0.year, DAY0.month, DAY0.day]}, "asOf": {"Date": [when.year, when.month, when.day]}},
            now="2030-01-01T00:00:00.000+00:00", value_sets=value_sets,
        )
        out.update(answer)
    return out


def _value(tagged: Any) -> Any:
    if isinstance(tagged, dict) and "Tuple" in tagged:
        return tagged["Tuple"]["value"]
    return tagged


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_rule(results: dict[str, dict[str, Any]], scenario: Scenario) -> None:
    answer = results[scenario.name]
    assert "error" not in answer, answer.get("error")
    got = {name: _value(answer["results"][name]) for name in scenario.expect}
    assert got == scenario.expect, {name: answer["results"][name] for name in scenario.expect}


def test_reasons_evidence_and_doses(results: dict[str, dict[str, Any]]) -> None:
    override = results["m3override"]["results"][D14]["Tuple"]
    assert override["reason"] == ("counts low: ANC 400/µL (below 500/µL); platelets 100,000/µL (not below 50,000/µL); "
                                  "day-14 marrow M3: given regardless of counts")
    assert sorted(override["evidence"]) == ["Observation/m3override-0", "Observation/m3override-1", "Observation/m3override-2"]
    assert override["dose"] is None
    withheld = results["anc499"]["results"][D14]["Tuple"]
    assert (withheld["dose"], withheld["reason"]) == (
        None, "counts low: ANC 499/µL (below 500/µL); platelets 100,000/µL (not below 50,000/µL); day-14 marrow M1")
    assert results["deceased"]["results"][D14]["Tuple"]["reason"] == "patient deceased (2024-03-14)"
    bsa = results["bsa"]["results"]
    assert round(float(bsa["BSA"]["Decimal"]), 6) == round((140 * 35 / 3600) ** 0.5, 6)
    assert Decimal(bsa[D14]["Tuple"]["dose"]["Quantity"]) == Decimal("11.67") and bsa[D14]["Tuple"]["dose"]["unit"] == "mg"
    assert Decimal(bsa["Vincristine Ordered Dose"]["Quantity"]) == Decimal("1.75")
    assert Decimal(bsa["Prednisolone Ordered Dose"]["Quantity"]) == Decimal("70")
    assert Decimal(bsa["Asparaginase Ordered Dose"]["Quantity"]) == Decimal("7000")
    assert bsa["Asparaginase Ordered Dose"]["unit"] == "[iU]"
    assert results["bsaold"]["results"]["BSA"] is None
    assert results["bsaold"]["results"]["Body Surface Area"]["Tuple"]["reason"] == "no height within 30 days before day 0"
