"""Part files of evaluated patients, written line by line, so an interrupted run resumes where it stopped."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import orjson

from .records import ASSESSED, REFUSED, Outcome

_PART = re.compile(r"^(assessed|refused)-(\d{3})-.*\.ndjson$")


def part_files(parts_dir: Path, kind: str) -> list[Path]:
    """Every part file of one kind (assessed or refused), in name order."""
    return sorted(p for p in parts_dir.glob(f"{kind}-*.ndjson") if _PART.match(p.name))


def next_run(parts_dir: Path) -> int:
    """The number of this run: one more than any run whose parts are there (so no part file is overwritten)."""
    runs = [int(m.group(2)) for p in parts_dir.glob("*.ndjson") if (m := _PART.match(p.name))]
    return max(runs, default=0) + 1


def _truncate_partial_line(path: Path) -> None:
    with path.open("rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def part_rows(path: Path) -> Iterator[tuple[str, bytes]]:
    """The (patient id, record line) rows of one part file, in its (sorted) order."""
    with path.open("rb") as f:
        for row in f:
            key, _, line = row.partition(b"\t")
            yield orjson.loads(key), line


def done_patients(parts_dir: Path) -> set[str]:
    """The ids of patients already written by earlier runs (a line cut short by an interruption is dropped)."""
    done: set[str] = set()
    for kind in (ASSESSED, REFUSED):
        for path in part_files(parts_dir, kind):
            _truncate_partial_line(path)
            done.update(pid for pid, _ in part_rows(path))
    return done


@dataclass
class PartWriter:
    """Writes one unit of work's outcomes to its part files, a whole line at a time, flushed per patient.

    `atomic` parts (a Dask task may run twice) are written aside and appear whole on `close`.
    """

    parts_dir: Path
    run: int
    tag: str
    atomic: bool = False

    def __post_init__(self) -> None:
        self._handles: dict[str, BinaryIO] = {}

    def write(self, outcome: Outcome) -> None:
        """Append one patient's outcome (callers write patients in id order)."""
        handle = self._handles.get(outcome.kind)
        if handle is None:
            name = f"{outcome.kind}-{self.run:03d}-{self.tag}.ndjson" + (".tmp" if self.atomic else "")
            handle = self._handles[outcome.kind] = (self.parts_dir / name).open("wb" if self.atomic else "ab")
        handle.write(orjson.dumps(outcome.patient_id) + b"\t" + outcome.line)
        handle.flush()

    def close(self) -> None:
        """Close the part files (their lines are already on disk); atomic parts take their final name now."""
        for handle in self._handles.values():
            handle.close()
            if self.atomic:
                os.replace(handle.name, handle.name.removesuffix(".tmp"))
        self._handles.clear()


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
