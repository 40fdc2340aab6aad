"""The `--starts` CSV: each patient's day 0 (`patient,start`), read whole or refused with the line that is wrong."""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..evaluator.inputs import InputRefused, parse_date


@dataclass(frozen=True)
class Starts:
    """Day 0 by patient id, with a hash of the file so a resumed run can tell it is the same."""

    by_patient: dict[str, _dt.date]
    sha256: str | None

    def get(self, patient_id: str) -> _dt.date | None:
        """The patient's day 0 from the file, or None (the evaluator then reads the CarePlan)."""
        return self.by_patient.get(patient_id)


NO_STARTS = Starts({}, None)


def read_starts(path: Path | None) -> Starts:
    """The CSV read: header `patient,start`; `Patient/<id>` or `<id>`; one date per patient (a repeat must agree)."""
    if path is None:
        return NO_STARTS
    if not path.is_file():
        raise InputRefused(path, "no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputRefused(path, "not UTF-8 text") from None
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    if header[:2] != ["patient", "start"]:
        raise InputRefused(path, "the first line must be the header 'patient,start'")
    by_patient: dict[str, _dt.date] = {}
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip():
            raise InputRefused(f"{path}:{number}", "expected 'patient,start'")
        pid = row[0].strip().removeprefix("Patient/")
        start = parse_date(row[1].strip(), "start", f"{path}:{number}")
        if by_patient.setdefault(pid, start) != start:
            raise InputRefused(f"{path}:{number}", f"two different starts for patient '{pid}'")
    return Starts(by_patient, "sha256:" + hashlib.sha256(raw).hexdigest())
