"""The run's outputs: the part files merged into assessments.ndjson and refused.ndjson (sorted by patient id), and summary.json."""

from __future__ import annotations

import heapq
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .records import ASSESSED, REFUSED
from .resume import part_files, part_rows

ASSESSMENTS = "assessments.ndjson"
REFUSALS = "refused.ndjson"
SUMMARY = "summary.json"


@dataclass(frozen=True)
class Merged:
    """How many records the merged outputs hold."""

    assessed: int
    refused: int
    errors: int


def _merge(parts: list[Path], dest: Path, trailing: Iterable[bytes] = ()) -> tuple[int, int]:
    """Sorted part files merged into one file by patient id (a patient written twice is kept once)."""
    count = errors = 0
    last: str | None = None
    tmp = dest.with_name(dest.name + ".tmp")
    with tmp.open("wb") as out:
        for pid, line in heapq.merge(*(part_rows(p) for p in parts), key=lambda row: row[0]):
            if pid == last:
                continue
            last = pid
            out.write(line)
            count += 1
            errors += b'"kind":"error"' in line
        for line in trailing:
            out.write(line)
            count += 1
    os.replace(tmp, dest)
    return count, errors


def merge_outputs(parts_dir: Path, out_dir: Path, nameless: Iterable[bytes] = ()) -> Merged:
    """Write assessments.ndjson and refused.ndjson from the parts; refusals with no patient id come last."""
    assessed, _ = _merge(part_files(parts_dir, ASSESSED), out_dir / ASSESSMENTS)
    refused, errors = _merge(part_files(parts_dir, REFUSED), out_dir / REFUSALS, sorted(nameless))
    return Merged(assessed, refused, errors)


def write_json(path: Path, data: Any) -> None:
    """A JSON document written whole (sorted keys, indented), so equal runs write equal files."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)
