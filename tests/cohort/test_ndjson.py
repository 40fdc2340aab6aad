"""The two-pass group-by: every resource reaches its patient whatever the file order, slicing and bucket count."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from call0603.cohort.ndjson import (bucket_groups, bucket_of, input_files, refuse_on_error, slices, split_slice)
from call0603.evaluator.inputs import InputRefused, iter_ndjson, patient_of
from call0603.evaluator.reading import canonical_json


def _naive(export: Path) -> dict[str, list[bytes]]:
    groups: dict[str, list[bytes]] = defaultdict(list)
    for file in input_files(export):
        for resource in iter_ndjson(Path(file.location)):
            pid = patient_of(resource)
            if pid:
                groups[pid].append(canonical_json(resource))
    return groups


def _grouped(export: Path, work: Path, buckets: int, slice_bytes: int) -> dict[str, list[bytes]]:
    work.mkdir()
    for piece in slices(input_files(export), slice_bytes):
        refuse_on_error(piece, split_slice(piece, str(work), buckets))
    out: dict[str, list[bytes]] = {}
    for bucket in range(buckets):
        for pid, lines in bucket_groups(work, bucket):
            assert pid not in out, "a patient split across buckets"
            assert bucket_of(pid, buckets) == bucket
            out[pid] = [canonical_json(orjson.loads(line)) for line in lines]
    return out


@pytest.mark.parametrize(("buckets", "slice_bytes"), [(1, 1 << 30), (7, 50_000), (64, 16_384)])
def test_every_resource_reaches_its_patient(shuffled: Path, tmp_path: Path, buckets: int, slice_bytes: int) -> None:
    naive = _naive(shuffled)
    grouped = _grouped(shuffled, tmp_path / "work", buckets, slice_bytes)
    assert grouped.keys() == naive.keys()
    assert len(grouped) == 300
    for pid, lines in naive.items():
        assert sorted(grouped[pid]) == sorted(lines)


def test_slices_cut_on_line_breaks_and_cover_the_file(population: Path) -> None:
    path = population / "Observation.ndjson"
    pieces = slices([f for f in input_files(population) if f.name == path.name], 10_000)
    assert len(pieces) > 10
    data = path.read_bytes()
    assert pieces[0].start == 0 and pieces[-1].end == len(data)
    for a, b in zip(pieces, pieces[1:]):
        assert a.end == b.start and data[a.end - 1:a.end] == b"\n"


def test_bucket_of_is_the_same_in_another_process() -> None:
    ids = ["p1", "p2", "call01", "p000123"]
    code = f"from call0603.cohort.ndjson import bucket_of; print([bucket_of(p, 16) for p in {ids!r}])"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == str([bucket_of(p, 16) for p in ids])
    assert len({bucket_of(f"p{i}", 16) for i in range(200)}) == 16


@pytest.mark.parametrize("gz", [False, True])
def test_a_bad_line_refuses_the_export_naming_file_and_line(tmp_path: Path, gz: bool) -> None:
    export = tmp_path / "export"
    export.mkdir()
    good = b'{"resourceType":"Patient","id":"p1"}\n' * 2000
    body = good + b"{not json\n" + good
    name = "Patient.ndjson" + (".gz" if gz else "")
    (export / name).write_bytes(gzip.compress(body) if gz else body)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(InputRefused) as refused:
        for piece in slices(input_files(export), 5000):
            refuse_on_error(piece, split_slice(piece, str(work), 4))
    assert refused.value.source == f"{export / name}:2001"
    assert "not JSON" in refused.value.reason


def test_a_folder_without_ndjson_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputRefused, match="no .ndjson"):
        input_files(tmp_path)
