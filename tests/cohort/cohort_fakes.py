"""A per-patient function for the resume and failure tests: the plumbing function, which can be told to stop or fail."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from call0603.cohort import plumbing

#: Raise KeyboardInterrupt (as Ctrl-C would) when this many patients have been evaluated.
STOP_AFTER: int | None = None
#: Patient ids whose evaluation raises an unexpected error.
FAIL_IDS: set[str] = set()
#: Patient ids evaluated so far by this process.
SEEN: list[str] = []

load_context = plumbing.load_context
library_hash = plumbing.library_hash


def assess_patient(patient: Any, *, start: _dt.date | None, as_of: _dt.date, context: Any) -> dict:
    """The plumbing assessment, after the stop and fail knobs."""
    if STOP_AFTER is not None and len(SEEN) >= STOP_AFTER:
        raise KeyboardInterrupt
    SEEN.append(patient.patient["id"])
    if patient.patient["id"] in FAIL_IDS:
        raise ZeroDivisionError("a bug")
    return plumbing.assess_patient(patient, start=start, as_of=as_of, context=context)
