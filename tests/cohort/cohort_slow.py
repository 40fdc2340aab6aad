"""A per-patient function for the signal tests: the plumbing function, slowed to a known pace so a run lasts seconds."""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any

from call0603.cohort import plumbing

#: Seconds each patient takes.
PACE = 0.04

load_context = plumbing.load_context
library_hash = plumbing.library_hash


def assess_patient(patient: Any, *, start: _dt.date | None, as_of: _dt.date, context: Any) -> dict:
    """The plumbing assessment, after a pause."""
    time.sleep(PACE)
    return plumbing.assess_patient(patient, start=start, as_of=as_of, context=context)
