"""A per-patient function that applies no clinical rule, to measure and test the cohort machinery on its own.

It reads day 0 as the evaluator does (the start given, else an active CarePlan of the package's PlanDefinition),
refuses a patient with neither, and answers with what it was given: how many resources, and a digest of them.
Select it with `call0603 cohort --evaluator call0603.cohort.plumbing`; its figures are the plumbing's, not the CQL's.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path
from typing import Any

from ..evaluator.inputs import InputRefused, PatientInput
from ..evaluator.reading import canonical_json
from .canonical import plan_definition_url


def load_context() -> str:
    """The 'compiled library' of this function: the plan URL it looks for."""
    return plan_definition_url()


def library_hash(context: str) -> str:
    """A hash of this module's source, standing for the compiled library."""
    return "sha256:" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _careplan_start(patient: PatientInput, plan_url: str) -> _dt.date | None:
    for resource in patient.resources:
        if (resource.get("resourceType") == "CarePlan" and resource.get("status") == "active"
                and plan_url in (resource.get("instantiatesCanonical") or [])):
            start = (resource.get("period") or {}).get("start")
            if isinstance(start, str) and len(start) >= 10:
                return _dt.date.fromisoformat(start[:10])
    return None


def assess_patient(patient: PatientInput, *, start: _dt.date | None, as_of: _dt.date, context: str) -> dict[str, Any]:
    """The patient's day 0 and a digest of the resources the cohort machinery gave it."""
    day0 = start or _careplan_start(patient, context)
    if day0 is None:
        raise InputRefused(patient.source, "no day 0: no start given and no active CarePlan instantiating the PlanDefinition")
    digest = hashlib.sha256(b"".join(canonical_json(r) for r in patient.resources))
    return {
        "subject": patient.subject, "start": day0.isoformat(), "asOf": as_of.isoformat(),
        "studyDay": (as_of - day0).days, "resources": len(patient.resources), "digest": digest.hexdigest(),
    }
