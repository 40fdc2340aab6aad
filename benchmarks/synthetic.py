"""Synthetic reinduction patients for the engine benchmark: one FHIR R4 Bundle of ~32 resources per patient.

Each patient has a Patient, an ALL diagnosis and a relapse Condition, heights and weights, and daily-ish ANC and
platelet counts around day 14 in the units the input contract lists (10*3/uL, 10*9/L, /uL, /mm3), mostly final,
some preliminary, amended or entered-in-error, with effectiveDateTime in several offsets or an effectivePeriod.
Deterministic for a given seed, so both engines and every run see the same data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Iterator

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
START = date(2024, 1, 8)

ANC_CODES = ("751-8", "753-4", "26499-4")
PLATELET_CODES = ("777-3", "778-1", "26515-7")
#: (UCUM code, factor from /uL) for counts.
COUNT_UNITS = (("10*3/uL", 1000), ("10*9/L", 1000), ("/uL", 1), ("/mm3", 1))
STATUSES = ("final",) * 8 + ("amended", "corrected", "preliminary", "entered-in-error")
OFFSETS = ("+00:00", "-05:00", "+01:00", "+09:00", "Z")


def value_sets() -> list[dict[str, Any]]:
    """The ValueSets the benchmark library retrieves by (expansions of the LOINC codes above)."""
    def expansion(name: str, codes: tuple[str, ...]) -> dict[str, Any]:
        return {
            "resourceType": "ValueSet", "id": f"benchmark-{name}", "status": "active",
            "url": f"http://example.org/fhir/ValueSet/benchmark-{name}",
            "expansion": {"timestamp": "2024-01-01T00:00:00Z",
                          "contains": [{"system": LOINC, "code": c} for c in codes]},
        }
    return [expansion("anc", ANC_CODES), expansion("platelets", PLATELET_CODES)]


def _moment(rng: random.Random, day: date) -> str:
    return f"{day.isoformat()}T{rng.randrange(6, 20):02d}:{rng.randrange(60):02d}:00{rng.choice(OFFSETS)}"


def _observation(rng: random.Random, pid: str, n: int, code: str, when: date, quantity: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": f"{pid}-obs-{n}", "status": rng.choice(STATUSES),
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "valueQuantity": quantity,
    }
    if rng.random() < 0.15:
        resource["effectivePeriod"] = {"start": _moment(rng, when)}
    else:
        resource["effectiveDateTime"] = _moment(rng, when)
    return resource


def _count(rng: random.Random, per_microlitre: float) -> dict[str, Any]:
    unit, factor = rng.choice(COUNT_UNITS)
    value = round(per_microlitre / factor, 3 if factor > 1 else 0)
    return {"value": int(value) if factor == 1 else value, "unit": unit, "system": UCUM, "code": unit}


def patient_bundle(index: int, seed: int = 603) -> dict[str, Any]:
    """The Bundle of synthetic patient `index` (the same bundle for the same index and seed)."""
    rng = random.Random(seed * 1_000_003 + index)
    pid = f"p{index}"
    born = date(2006, 1, 1) + timedelta(days=rng.randrange(12 * 365))
    diagnosed = born + timedelta(days=rng.randrange(365, 6 * 365))
    relapsed = min(diagnosed + timedelta(days=rng.randrange(200, 2000)), START - timedelta(days=3))
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid, "gender": rng.choice(("female", "male")), "birthDate": born.isoformat()},
        {"resourceType": "Condition", "id": f"{pid}-all", "subject": {"reference": f"Patient/{pid}"},
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91857003"}]},
         "onsetDateTime": _moment(rng, diagnosed)},
        {"resourceType": "Condition", "id": f"{pid}-relapse", "subject": {"reference": f"Patient/{pid}"},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C91.02"}]},
         "onsetDateTime": _moment(rng, relapsed)},
    ]
    n = 0
    for days_before in (25, 2):
        when = START - timedelta(days=days_before)
        n += 1
        resources.append(_observation(rng, pid, n, "8302-2", when,
                                      {"value": round(rng.uniform(100, 180), 1), "unit": "cm", "system": UCUM, "code": "cm"}))
        n += 1
        resources.append(_observation(rng, pid, n, "29463-7", when,
                                      {"value": round(rng.uniform(15, 70), 1), "unit": "kg", "system": UCUM, "code": "kg"}))
    for day in range(0, 24, 2):
        when = START + timedelta(days=day)
        n += 1
        resources.append(_observation(rng, pid, n, rng.choice(ANC_CODES), when, _count(rng, rng.uniform(100, 2500))))
        n += 1
        resources.append(_observation(rng, pid, n, rng.choice(PLATELET_CODES), when, _count(rng, rng.uniform(5_000, 200_000))))
    resources.append({"resourceType": "Observation", "id": f"{pid}-hb", "status": "final",
                      "code": {"coding": [{"system": LOINC, "code": "718-7"}]},
                      "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": _moment(rng, START),
                      "valueQuantity": {"value": 9.5, "unit": "g/dL", "system": UCUM, "code": "g/dL"}})
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]}


def patient_bundles(count: int, seed: int = 603) -> Iterator[dict[str, Any]]:
    """Patients 0..count-1, one at a time."""
    for index in range(count):
        yield patient_bundle(index, seed)


def package_bundles(count: int, seed: int = 603) -> Iterator[dict[str, Any]]:
    """Patients 1..count of `call0603 synth`'s random population (the input contract's codes and units, missing and
    unusable data included), each as one Bundle, for the package's own library."""
    from call0603.cohort.synth.resources import patient_resources
    from call0603.cohort.synth.writer import plans

    for plan in plans(count, seed, paper=False):
        yield {"resourceType": "Bundle", "type": "collection",
               "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in patient_resources(plan, seed)]}
