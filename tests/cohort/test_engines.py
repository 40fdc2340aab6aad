"""Both engines over the same export: every patient written once, sorted, with its own resources, and the same bytes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import orjson
import pytest
from conftest import job

from call0603.cohort.dask_pool import IN_PROCESS
from call0603.cohort.ndjson import input_files
from call0603.cohort.run import run_cohort
from call0603.cohort.starts import read_starts
from call0603.evaluator.inputs import InputRefused, iter_ndjson, patient_of
from call0603.evaluator.reading import canonical_json


@pytest.fixture(scope="module")
def export(shuffled: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shuffled population plus what a real export holds: an orphan resource, a nameless Patient, a Medication."""
    export = tmp_path_factory.mktemp("tricky") / "export"
    shutil.copytree(shuffled, export)
    with (export / "Extra.ndjson").open("wb") as f:
        f.write(b'{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/ghost"}}\n')
        f.write(b'{"resourceType":"Patient","gender":"female"}\n')
        f.write(b'{"resourceType":"Medication","id":"m1"}\n')
    return export


@pytest.fixture(scope="module")
def starts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("starts") / "starts.csv"
    path.write_text("patient,start\np000001,2012-01-02\np000045,2013-05-06\n")
    return path


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture(scope="module")
def local_one(export: Path, starts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local1") / "out"
    run_cohort(job(export, out, starts=read_starts(starts), workers=1, buckets=5), report=False)
    return out


def _digest(resources: list[dict]) -> str:
    ordered = sorted(resources, key=lambda r: (r["resourceType"] != "Patient", r["resourceType"], str(r.get("id", ""))))
    return hashlib.sha256(b"".join(canonical_json(r) for r in ordered)).hexdigest()


def test_every_patient_once_sorted_with_exactly_its_resources(local_one: Path, export: Path) -> None:
    assessed, refused = _lines(local_one / "assessments.ndjson"), _lines(local_one / "refused.ndjson")
    ids = [r["subject"] for r in assessed]
    assert ids == sorted(ids)
    refused_ids = [r["subject"] for r in refused]
    assert refused_ids[:-1] == sorted(refused_ids[:-1]) and refused_ids[-1] is None
    assert len(set(ids) | set(refused_ids) - {None}) == len(ids) + len(refused) - 1 == 301
    by_patient: dict[str, list[dict]] = {}
    for file in input_files(export):
        for resource in iter_ndjson(Path(file.location)):
            if patient_of(resource):
                by_patient.setdefault(patient_of(resource), []).append(resource)
    for record in assessed:
        assert record["digest"] == _digest(by_patient[record["subject"].removeprefix("Patient/")])
        assert record["provenance"]["package"] == "0.1.0" and record["provenance"]["libraryHash"].startswith("sha256:")


def test_refusals_name_the_reason(local_one: Path) -> None:
    refused = {r["subject"]: r for r in _lines(local_one / "refused.ndjson")}
    assert "no Patient with that id" in refused["Patient/ghost"]["reason"]
    assert refused[None]["reason"] == "a Patient resource without an id" and refused[None]["source"].endswith("Extra.ndjson:2")
    no_careplan = [r for r in refused.values() if "no day 0" in r["reason"]]
    assert no_careplan and all(r["kind"] == "refused" for r in refused.values())


def test_starts_give_day0_and_outrank_the_careplan(local_one: Path) -> None:
    assessed = {r["subject"]: r for r in _lines(local_one / "assessments.ndjson")}
    assert assessed["Patient/p000001"]["start"] == "2012-01-02"
    assert assessed["Patient/p000045"]["start"] == "2013-05-06"


def test_summary_counts_every_patient_and_what_names_none(local_one: Path) -> None:
    summary = orjson.loads((local_one / "summary.json").read_bytes())
    patients = summary["patients"]
    assert patients["total"] == patients["assessed"] + patients["refused"] == 302
    assert sum(patients["refusedReasons"].values()) == patients["refused"]
    assert summary["input"]["resourcesWithoutPatient"] == {"Medication": 1}
    assert summary["asOf"] == "2025-12-31" and summary["libraryHash"].startswith("sha256:")
    assert "202" not in str(summary["package"])


@pytest.mark.parametrize("engine", ["local-2", "dask"])
def test_engines_agree_byte_for_byte(engine: str, local_one: Path, export: Path, starts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    if engine == "dask":
        run_cohort(job(export, out, starts=read_starts(starts), workers=2), engine="dask", scheduler=IN_PROCESS, report=False)
    else:
        run_cohort(job(export, out, starts=read_starts(starts), workers=2, buckets=9), report=False)
    for name in ("assessments.ndjson", "refused.ndjson"):
        assert (out / name).read_bytes() == (local_one / name).read_bytes()
    ours = orjson.loads((out / "summary.json").read_bytes())
    theirs = orjson.loads((local_one / "summary.json").read_bytes())
    assert ours["patients"] == theirs["patients"] and ours["input"]["resources"] == theirs["input"]["resources"]


def test_missing_extras_are_said_not_crashed(population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("distributed", "lifelines") else real(name, *a))
    with pytest.raises(InputRefused, match=r"pip install 'call0603\[dask\]'"):
        run_cohort(job(population, tmp_path / "dask"), engine="dask")
    assert not (tmp_path / "dask").exists()
    summary = run_cohort(job(population, tmp_path / "out"))
    assert summary["report"] == {"skipped": "lifelines not installed: pip install 'call0603[cohort]'"}
    assert not (tmp_path / "out/report.html").exists()


def test_starts_that_match_no_patient_are_counted(export: Path, tmp_path: Path) -> None:
    starts = tmp_path / "starts.csv"
    starts.write_text("patient,start\np000001,2012-01-02\nPatient/ghost,2012-01-02\nnobody,2012-01-02\n")
    summary = run_cohort(job(export, tmp_path / "out", starts=read_starts(starts), workers=1), report=False)
    assert summary["patients"]["startsWithoutPatient"] == 1
    assert summary["patients"]["startsWithoutPatientIds"] == ["nobody"]
    without = run_cohort(job(export, tmp_path / "plain", workers=1), report=False)
    assert without["patients"]["startsWithoutPatient"] == 0 and without["patients"]["refusedReasons"]
