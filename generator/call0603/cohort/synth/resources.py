"""A synthetic patient's plan drawn as FHIR R4 resources, with the codes and units of docs/input-contract.md.

Counts fall through the second and third weeks and recover by day 28 (or not, for a failure); each count
arrives in one of the contract's units; marrow results are numeric, coded or both, each in a
DiagnosticReport; random populations also get missing and unusable data the evaluator must handle.
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..canonical import code_system_url, plan_definition_url
from .plans import DEATH, SITES, Plan

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

#: Factor from a count per microlitre to a value in each unit the contract lists.
COUNT_UNITS = {"10*3/uL": Decimal("0.001"), "10*9/L": Decimal("0.001"), "/uL": Decimal(1), "/mm3": Decimal(1)}
ANC_UNITS = COUNT_UNITS | {"10*6/L": Decimal(1)}
CSF_UNITS = {"/uL": Decimal(1), "/mm3": Decimal(1), "10*6/L": Decimal(1)}
ANC_CODES, PLATELET_CODES = ("751-8", "753-4", "26499-4"), ("777-3", "778-1", "26515-7")
SITE_CODES = {"bone-marrow": "14016003", "cns": "12738006", "testis": "40689003", "lymph-node": "59441001"}
PHENOTYPE_CODES = {"b-precursor": "277571004", "t-cell": "277575008", "generic": "91857003"}
#: Study days with blood counts; the days that decide idarubicin (14, 21) may be measured the day before.
COUNT_DAYS = (0, 3, 7, 10, 14, 17, 21, 24, 28)
MARROW_DAYS = {7: (6, 7, 7, 7, 8), 14: (13, 14, 14, 15), 28: (27, 28, 28, 29, 30)}


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class _Builder:
    plan: Plan
    rng: random.Random
    out: list[dict[str, Any]] = field(default_factory=list)
    serial: int = 0

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.plan.pid}"}

    def when(self, day: _dt.date) -> str:
        return f"{day.isoformat()}T{self.rng.randint(7, 16):02d}:{self.rng.choice(('00', '15', '30', '45'))}:00{self.plan.offset}"

    def study(self, day: int) -> _dt.date:
        return self.plan.day0 + _dt.timedelta(days=day)

    def alive(self, day: _dt.date) -> bool:
        return self.plan.death is None or day < self.plan.death

    def add(self, resource: dict[str, Any]) -> dict[str, Any]:
        self.serial += 1
        resource = {"resourceType": resource.pop("resourceType"), "id": f"{self.plan.pid}-{self.serial}", **resource}
        self.out.append(resource)
        return resource

    def observation(self, system: str, code: str, day: _dt.date, value: dict[str, Any], status: str = "final") -> dict[str, Any]:
        return self.add({"resourceType": "Observation", "status": status, "code": _coding(system, code),
                         "subject": self.subject, "effectiveDateTime": self.when(day), **value})

    def quantity(self, code: str, day: _dt.date, per_ul: int, units: dict[str, Decimal], status: str = "final",
                 unit: str | None = None) -> None:
        unit = unit or self.rng.choice(list(units))
        value = Decimal(per_ul) * units.get(unit, Decimal(1))
        self.observation(LOINC, code, day, {"valueQuantity": {"value": _number(value), "unit": unit, "system": UCUM, "code": unit}}, status)

    def measured(self, code: str, day: _dt.date, value: Decimal, unit: str) -> None:
        self.observation(LOINC, code, day, {"valueQuantity": {"value": _number(value), "unit": unit, "system": UCUM, "code": unit}})


def _conditions(b: _Builder) -> None:
    plan = b.plan
    b.add({"resourceType": "Condition", "clinicalStatus": _coding(CLINICAL, "remission"),
           "verificationStatus": _coding(VERIFICATION, "confirmed"), "code": _coding(SNOMED, PHENOTYPE_CODES[plan.immunophenotype]),
           "subject": b.subject, "onsetDateTime": plan.diagnosis.isoformat()})
    sites = ("bone-marrow", *SITES[plan.site])
    b.add({"resourceType": "Condition", "clinicalStatus": _coding(CLINICAL, "active"),
           "verificationStatus": _coding(VERIFICATION, "confirmed"), "code": _coding(ICD10CM, "C91.02"),
           "bodySite": [_coding(SNOMED, SITE_CODES[s]) for s in sites], "subject": b.subject,
           "onsetDateTime": plan.relapse.isoformat()})
    if plan.relapse_after_cr2:
        b.add({"resourceType": "Condition", "clinicalStatus": _coding(CLINICAL, "active"),
               "verificationStatus": _coding(VERIFICATION, "confirmed"), "code": _coding(ICD10CM, "C91.02"),
               "bodySite": [_coding(SNOMED, SITE_CODES["bone-marrow"])], "subject": b.subject,
               "onsetDateTime": plan.relapse_after_cr2.isoformat()})
    if plan.down_syndrome:
        b.add({"resourceType": "Condition", "verificationStatus": _coding(VERIFICATION, "confirmed"),
               "code": _coding(ICD10CM, "Q90.9"), "subject": b.subject, "onsetDateTime": plan.birth.isoformat()})


def _diagnosis(b: _Builder) -> None:
    plan, rng = b.plan, b.rng
    day = plan.diagnosis + _dt.timedelta(days=rng.randint(0, 3))
    b.quantity(rng.choice(("6690-2", "26464-8")), day, plan.diagnosis_wbc, {k: v for k, v in COUNT_UNITS.items() if k != "/mm3"})
    if plan.cytogenetics:
        cs = code_system_url("cytogenetics")
        b.observation(cs, "finding", day, {"valueCodeableConcept": _coding(cs, plan.cytogenetics)})
    b.measured("11150-0", plan.relapse - _dt.timedelta(days=rng.randint(0, 5)), Decimal(rng.randint(300, 970)) / 10, "%")


def _size(b: _Builder) -> None:
    plan, rng = b.plan, b.rng
    age = (plan.day0 - plan.birth).days / 365.25
    height = Decimal(round(min(75 + 6.2 * age, 150 + 1.5 * age) + rng.uniform(-8, 8), 1)).quantize(Decimal("0.1"))
    weight = (Decimal(rng.uniform(14.5, 21.0)) * (height / 100) ** 2).quantize(Decimal("0.1"))
    day = plan.day0 - _dt.timedelta(days=rng.randint(0, 5))
    unit = rng.choice(("cm", "cm", "m", "[in_i]"))
    b.measured("8302-2", day, {"cm": height, "m": height / 100, "[in_i]": (height / Decimal("2.54")).quantize(Decimal("0.01"))}[unit], unit)
    unit = rng.choice(("kg", "kg", "g", "[lb_av]"))
    b.measured("29463-7", day, {"kg": weight, "g": weight * 1000, "[lb_av]": (weight / Decimal("0.45359237")).quantize(Decimal("0.1"))}[unit], unit)


def _csf(b: _Builder) -> None:
    plan, rng = b.plan, b.rng
    day = plan.day0 - _dt.timedelta(days=rng.randint(0, 2))
    positive = "cns" in SITES[plan.site]
    b.quantity(rng.choice(("26465-5", "806-0", "805-2")), day, rng.randint(6, 150) if positive else rng.randint(0, 5), CSF_UNITS)
    if positive or rng.random() < 0.5:
        findings = code_system_url("findings")
        if rng.random() < 0.7:
            b.observation(findings, "csf-blasts", day, {"valueBoolean": positive})
        else:
            b.quantity("35068-6", day, rng.randint(2, 60) if positive else 0, {"/uL": Decimal(1)})


def _counts_on(b: _Builder, day: int) -> tuple[int, int]:
    """ANC and platelets (per uL) on a study day: down to a nadir in week 2, then up by day 28 (or not)."""
    plan, rng = b.plan, b.rng
    if day in plan.low_counts:
        if plan.low_counts[day]:
            kind = rng.random()
            anc = rng.randint(0, 480) if kind < 0.7 else rng.randint(500, 2500)
            platelets = rng.randint(5000, 49000) if kind >= 0.4 else rng.randint(20000, 200000)
            return anc, platelets
        anc = 500 if rng.random() < 0.03 else rng.randint(500, 3000)
        return anc, 50000 if rng.random() < 0.03 else rng.randint(50000, 250000)
    if day == 28:
        if plan.counts_recover:
            return (750 if rng.random() < 0.03 else rng.randint(750, 4500)), rng.randint(75000, 400000)
        return (rng.randint(100, 740), rng.randint(20000, 300000)) if rng.random() < 0.5 else (rng.randint(800, 3000), rng.randint(10000, 74000))
    ranges = {0: (300, 4000, 15000, 180000), 3: (200, 2500, 15000, 150000), 7: (100, 1500, 20000, 150000),
              10: (0, 600, 10000, 90000), 17: (0, 900, 10000, 120000), 24: (300, 2000, 30000, 200000)}[day]
    return rng.randint(ranges[0], ranges[1]), rng.randint(ranges[2], ranges[3])


def _counts(b: _Builder) -> None:
    plan, rng = b.plan, b.rng
    for day in COUNT_DAYS:
        on = b.study(day - (1 if day in (14, 21) and rng.random() < 0.3 else 0))
        if not b.alive(on) or (day == 14 and plan.missing_day14_counts):
            continue
        anc, platelets = _counts_on(b, day)
        unconvertible = plan.unconvertible_count and day == 21
        b.quantity(rng.choice(ANC_CODES), on, anc, ANC_UNITS, unit="%" if unconvertible else None)
        b.quantity(rng.choice(PLATELET_CODES), on, platelets, COUNT_UNITS)
        if day % 7 == 0:
            hb = Decimal(rng.randint(65, 115)) / 10
            unit = rng.choice(("g/dL", "g/dL", "g/L"))
            b.measured("718-7", on, hb * (10 if unit == "g/L" else 1), unit)
        if day == 14 and plan.preliminary_count:
            b.quantity(ANC_CODES[0], on, 100 if not plan.low_counts[14] else 2000, ANC_UNITS, status="preliminary")
    if b.alive(b.study(28)) and plan.response != DEATH:
        blasts = 0 if plan.marrow[28] == "M1" or rng.random() < 0.5 else rng.randint(1, 30)
        b.measured(rng.choice(("26446-5", "709-6")), b.study(28), Decimal(blasts), "%")


def _blasts(rng: random.Random, status: str) -> Decimal:
    edge = rng.random() < 0.04
    if status == "M1":
        return Decimal(rng.randint(0, 49)) / 10
    if status == "M2":
        return Decimal(rng.choice((50, 250))) / 10 if edge else Decimal(rng.randint(50, 250)) / 10
    return Decimal(rng.randint(251, 950)) / 10


def _marrows(b: _Builder) -> None:
    plan, rng = b.plan, b.rng
    status_cs = code_system_url("marrow-status")
    for study_day, status in sorted(plan.marrow.items()):
        if status is None:
            continue
        day = b.study(rng.choice(MARROW_DAYS[study_day]))
        if not b.alive(day):
            continue
        form = rng.random()
        results = []
        if form < 0.8:
            results.append(b.observation(LOINC, "11150-0", day, {"valueQuantity": {"value": _number(_blasts(rng, status)), "unit": "%", "system": UCUM, "code": "%"}}))
        if form >= 0.7:
            results.append(b.observation(status_cs, "status", day, {"valueCodeableConcept": _coding(status_cs, status)}))
        b.add({"resourceType": "DiagnosticReport", "status": "final", "code": _coding(LOINC, "48807-2"), "subject": b.subject,
               "effectiveDateTime": results[0]["effectiveDateTime"], "result": [{"reference": f"Observation/{r['id']}"} for r in results]})


def _follow_up(b: _Builder) -> None:
    plan, rng = b.plan, b.rng
    if plan.last_contact and plan.last_contact > b.study(30) and (plan.death is None or plan.last_contact < plan.death):
        b.quantity(ANC_CODES[0], plan.last_contact, rng.randint(1000, 5000), ANC_UNITS)
        b.quantity(PLATELET_CODES[0], plan.last_contact, rng.randint(100000, 400000), COUNT_UNITS)


def patient_resources(plan: Plan, seed: int) -> list[dict[str, Any]]:
    """Every resource of one planned patient: Patient, CarePlan, Conditions, Observations and marrow reports."""
    b = _Builder(plan, random.Random(f"{seed}:{plan.pid}:resources"))
    patient: dict[str, Any] = {"resourceType": "Patient", "id": plan.pid, "gender": plan.sex, "birthDate": plan.birth.isoformat()}
    if plan.death:
        patient["deceasedDateTime"] = b.when(plan.death)
    b.out.append(patient)
    if plan.careplan:
        b.add({"resourceType": "CarePlan", "status": "active", "intent": "plan", "instantiatesCanonical": [plan_definition_url()],
               "subject": b.subject, "period": {"start": plan.day0.isoformat()}})
    _conditions(b)
    _diagnosis(b)
    if plan.measurements:
        _size(b)
    _csf(b)
    _counts(b)
    _marrows(b)
    _follow_up(b)
    return b.out
