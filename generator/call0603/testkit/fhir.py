"""Small builders of the FHIR R4 resources the scenarios are made of (docs/input-contract.md's codes and units)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

#: Day 0 of reinduction in every scenario (day 7 = 03-11, day 14 = 03-18, day 21 = 03-25, day 28 = 04-01).
DAY0 = date(2024, 3, 4)

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
BASE = "http://fhir.call0603.org"
MARROW_STATUS = f"{BASE}/CodeSystem/marrow-status"
CYTOGENETICS = f"{BASE}/CodeSystem/cytogenetics"
FINDINGS = f"{BASE}/CodeSystem/findings"
PLAN = f"{BASE}/PlanDefinition/call0603-reinduction"

Resource = dict[str, Any]


def day(n: int) -> str:
    """The calendar date of study day `n`."""
    return (DAY0 + timedelta(days=n)).isoformat()


def at(n: int, time: str = "08:00:00+09:00") -> str:
    """A dateTime on study day `n` at a clock time in its own offset (Seoul by default)."""
    return f"{day(n)}T{time}"


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def quantity(ident: str, code: str, value: float | int, unit: str, when: str, *, status: str = "final") -> Resource:
    """A numeric Observation (LOINC code, UCUM unit) dated `when`."""
    return {"resourceType": "Observation", "id": ident, "status": status, "code": _coding(LOINC, code),
            "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def anc(ident: str, value: float | int, on: int, unit: str = "/uL", *, status: str = "final") -> Resource:
    """An absolute neutrophil count on study day `on`."""
    return quantity(ident, "751-8", value, unit, at(on), status=status)


def platelets(ident: str, value: float | int, on: int, unit: str = "/uL") -> Resource:
    """A platelet count on study day `on`."""
    return quantity(ident, "777-3", value, unit, at(on))


def marrow(ident: str, blasts: float | int, on: int) -> Resource:
    """A bone-marrow blast percentage on study day `on`."""
    return quantity(ident, "11150-0", blasts, "%", day(on))


def coded_marrow(ident: str, status: str, on: int) -> Resource:
    """A coded marrow status (M1 / M2 / M3) on study day `on`."""
    return {"resourceType": "Observation", "id": ident, "status": "final", "code": _coding(MARROW_STATUS, "status"),
            "effectiveDateTime": day(on), "valueCodeableConcept": _coding(MARROW_STATUS, status)}


def csf_blasts(ident: str, present: bool, on: int) -> Resource:
    """CSF cytology: lymphoblasts present or absent, on study day `on`."""
    return {"resourceType": "Observation", "id": ident, "status": "final", "code": _coding(FINDINGS, "csf-blasts"),
            "effectiveDateTime": day(on), "valueBoolean": present}


def cytogenetics(ident: str, finding: str, when: str) -> Resource:
    """A cytogenetic finding (t9-22, kmt2a-rearranged, hypodiploid, high-hyperdiploid, t12-21, normal-karyotype, other)."""
    return {"resourceType": "Observation", "id": ident, "status": "final", "code": _coding(CYTOGENETICS, "finding"),
            "effectiveDateTime": when, "valueCodeableConcept": _coding(CYTOGENETICS, finding)}


def condition(ident: str, system: str, code: str, onset: str, *, sites: tuple[str, ...] = (),
              clinical: str | None = None, verification: str = "confirmed") -> Resource:
    """A Condition with an onset date, body sites (SNOMED) and clinical / verification status."""
    c: Resource = {"resourceType": "Condition", "id": ident, "code": _coding(system, code), "onsetDateTime": onset,
                   "verificationStatus": _coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification)}
    if clinical:
        c["clinicalStatus"] = _coding("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical)
    if sites:
        c["bodySite"] = [_coding(SNOMED, s) for s in sites]
    return c


def careplan(ident: str, start: str, status: str = "active") -> Resource:
    """A CarePlan instantiating the package's PlanDefinition, with day 0 as its period start."""
    return {"resourceType": "CarePlan", "id": ident, "status": status, "intent": "plan",
            "instantiatesCanonical": [PLAN], "period": {"start": start}}
