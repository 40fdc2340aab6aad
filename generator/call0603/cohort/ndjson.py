"""A two-pass group-by of a Bulk Data export that spills to disk, so memory stays flat whatever the population size.

Pass 1 reads every NDJSON file (plain files in byte slices, so workers share a large file) and appends each
resource's line to one of N bucket files chosen by a hash of its patient id. Pass 2 reads one bucket at a time
and groups its lines by patient in memory: a bucket holds about `BUCKET_BYTES` of data, whatever the population.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

import orjson

from ..evaluator.inputs import InputRefused, patient_of, unreadable
from .source import InputFile, export_files, gzipped, open_binary, open_lines, read_failures

#: About how many bytes of NDJSON one bucket holds (pass 2 keeps one bucket per worker in memory).
BUCKET_BYTES = 32 * 1024 * 1024
#: Plain files are read in slices of about this size, so that several workers share one large file.
SLICE_BYTES = 64 * 1024 * 1024
#: How much larger than its gzip file an NDJSON file is taken to be, to size the buckets.
GZIP_RATIO = 8
MAX_BUCKETS = 512


@dataclass(frozen=True)
class Slice:
    """A byte range of one input file (the whole file when gzip), numbered for its bucket part files; `path` is the
    file's path or URL."""

    index: int
    path: str
    start: int
    end: int | None

    @property
    def compressed(self) -> bool:
        """Whether the slice is a whole gzip file."""
        return gzipped(self.path)


@dataclass
class SliceStats:
    """What pass 1 saw in one slice: resources by type, Patients, and what names no patient."""

    resources: Counter = field(default_factory=Counter)
    patients: int = 0
    without_patient: Counter = field(default_factory=Counter)
    nameless_patients: list[tuple[str, str]] = field(default_factory=list)
    error: tuple[int, str] | None = None
    source: str | None = None

    def add(self, other: SliceStats) -> None:
        """Fold another slice's counts into this one (errors are handled by the caller)."""
        self.resources.update(other.resources)
        self.patients += other.patients
        self.without_patient.update(other.without_patient)
        self.nameless_patients.extend(other.nameless_patients)


def input_files(export: str | Path) -> list[InputFile]:
    """The export's NDJSON files (plain or gzip) in name order, from a folder path or a URL (`source.export_files`)."""
    return export_files(export)


def bucket_count(files: list[InputFile]) -> int:
    """How many buckets keep each near `BUCKET_BYTES`, from the files' sizes."""
    size = sum(f.size * (GZIP_RATIO if f.gzip else 1) for f in files)
    return max(1, min(MAX_BUCKETS, math.ceil(size / BUCKET_BYTES)))


def slices(files: list[InputFile], slice_bytes: int = SLICE_BYTES) -> list[Slice]:
    """Each file cut into slices that end on a line break (a gzip file is one slice)."""
    out: list[Slice] = []
    for file in files:
        if file.gzip or file.size <= slice_bytes:
            out.append(Slice(len(out), file.location, 0, None))
            continue
        with open_binary(file.location) as f:
            start = 0
            while start < file.size:
                f.seek(min(start + slice_bytes, file.size))
                f.readline()
                end = min(f.tell(), file.size)
                out.append(Slice(len(out), file.location, start, end))
                start = end
    return out


def _slice_lines(piece: Slice) -> Iterator[bytes]:
    if piece.end is None:
        with open_lines(piece.path, piece.compressed) as f:
            yield from f
        return
    with open_binary(piece.path) as f:
        f.seek(piece.start)
        remaining = piece.end - piece.start
        for line in f:
            yield line
            remaining -= len(line)
            if remaining <= 0:
                return


def bucket_of(patient_id: str, buckets: int) -> int:
    """The bucket a patient's resources go to: a stable hash of the id (the same in every process and run)."""
    return zlib.crc32(patient_id.encode()) % buckets


def bucket_files(bucket_dir: Path, bucket: int) -> list[Path]:
    """The part files of one bucket, in slice order (so input order is kept)."""
    return sorted(bucket_dir.glob(f"b{bucket:04d}-s*.tsv"))


def split_slice(piece: Slice, bucket_dir: str, buckets: int) -> SliceStats:
    """Pass 1 over one slice: each resource line appended to its patient's bucket as `"<id>"\\t<json>`."""
    stats = SliceStats()
    handles: dict[int, BinaryIO] = {}
    try:
        _split_lines(piece, Path(bucket_dir), buckets, stats, handles)
    except read_failures(piece.path) as e:
        stats.error = (0, unreadable(e))
    finally:
        for handle in handles.values():
            handle.close()
    return stats


def _split_lines(piece: Slice, bucket_dir: Path, buckets: int, stats: SliceStats, handles: dict[int, BinaryIO]) -> None:
    """The lines of one slice appended to their buckets; the first bad line stops it (recorded in `stats.error`).

    Each patient's bucket and row prefix are found once per slice (`routes`), not once per line.
    """
    routes: dict[str, tuple[Callable[[bytes], Any], bytes]] = {}
    for number, raw in enumerate(_slice_lines(piece), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            resource = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            stats.error = (number, f"not JSON ({e})")
            return
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            stats.error = (number, "not a FHIR resource")
            return
        stats.resources[kind] += 1
        pid = patient_of(resource)
        if not isinstance(pid, str) or not pid:
            if kind == "Patient":
                stats.nameless_patients.append((f"{piece.path}:{number}", "a Patient resource without an id"))
            else:
                stats.without_patient[kind] += 1
            continue
        stats.patients += kind == "Patient"
        route = routes.get(pid)
        if route is None:
            bucket = bucket_of(pid, buckets)
            handle = handles.get(bucket)
            if handle is None:
                handle = handles[bucket] = open(bucket_dir / f"b{bucket:04d}-s{piece.index:05d}.tsv", "wb")
            route = routes[pid] = (handle.write, orjson.dumps(pid) + b"\t")
        write, prefix = route
        write(prefix + line + b"\n")


def line_number(piece: Slice, local: int) -> int:
    """The file line number of a slice's line (counted only when an error names it)."""
    if not piece.start:
        return local
    with open_binary(piece.path) as f:
        before = f.read(piece.start).count(b"\n")
    return before + local


def refuse_on_error(piece: Slice, stats: SliceStats) -> None:
    """A bad line refuses the whole export, naming the file and line (as the evaluator does for one patient); a file
    that cannot be read (line 0) is named alone."""
    if stats.error is not None:
        number, reason = stats.error
        raise InputRefused(f"{piece.path}:{line_number(piece, number)}" if number else piece.path, reason)


def bucket_groups(bucket_dir: Path, bucket: int) -> Iterator[tuple[str, list[bytes]]]:
    """Pass 2 over one bucket: each patient id (in sorted order) with its resource lines."""
    groups: dict[bytes, list[bytes]] = {}
    for path in bucket_files(bucket_dir, bucket):
        with path.open("rb") as f:
            for row in f:
                key, _, line = row.rstrip(b"\n").partition(b"\t")
                lines = groups.get(key)
                if lines is None:
                    groups[key] = [line]
                else:
                    lines.append(line)
    for pid, key in sorted((orjson.loads(key), key) for key in groups):
        yield pid, groups.pop(key)
