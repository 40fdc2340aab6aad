"""An interrupted run resumes: patients already written are skipped, and the outputs equal an uninterrupted run's."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import cohort_fakes
import orjson
import pytest
from conftest import job

from call0603.cohort.resume import part_files
from call0603.cohort.run import run_cohort
from call0603.evaluator.inputs import InputRefused

FAKES = "cohort_fakes"


@pytest.fixture(autouse=True)
def _reset() -> None:
    cohort_fakes.STOP_AFTER, cohort_fakes.FAIL_IDS = None, set()
    cohort_fakes.SEEN.clear()


def test_a_resumed_run_skips_written_patients_and_ends_as_a_clean_run(population: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    run_cohort(job(population, clean, evaluator=FAKES, buckets=4), report=False)
    cohort_fakes.SEEN.clear()

    out = tmp_path / "out"
    cohort_fakes.STOP_AFTER = 120
    with pytest.raises(KeyboardInterrupt):
        run_cohort(job(population, out, evaluator=FAKES, buckets=4), report=False)
    written = sum(len(p.read_bytes().splitlines()) for kind in ("assessed", "refused") for p in part_files(out / ".work/parts", kind))
    assert written == 120 and not (out / "assessments.ndjson").exists()
    part = part_files(out / ".work/parts", "assessed")[-1]
    part.write_bytes(part.read_bytes() + b'"p9"\t{"subject":"Patient/p9", "cut sh')  # a line cut by the interruption

    cohort_fakes.STOP_AFTER, first = None, list(cohort_fakes.SEEN)
    cohort_fakes.SEEN.clear()
    run_cohort(job(population, out, evaluator=FAKES, buckets=4), report=False)
    assert len(cohort_fakes.SEEN) == 300 - 120 and not set(cohort_fakes.SEEN) & set(first)
    for name in ("assessments.ndjson", "refused.ndjson"):
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    assert not (out / ".work/parts").exists() and not (out / ".work/buckets").exists()

    cohort_fakes.SEEN.clear()
    run_cohort(job(population, out, evaluator=FAKES, buckets=4), report=False)
    assert cohort_fakes.SEEN == []
    assert (out / "assessments.ndjson").read_bytes() == (clean / "assessments.ndjson").read_bytes()


def test_resuming_over_other_inputs_is_refused_and_fresh_starts_again(population: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cohort(job(population, out, evaluator=FAKES), report=False)
    with pytest.raises(InputRefused, match="another as-of date"):
        run_cohort(job(population, out, evaluator=FAKES, as_of=_dt.date(2024, 1, 1)), report=False)
    cohort_fakes.SEEN.clear()
    run_cohort(job(population, out, evaluator=FAKES, as_of=_dt.date(2024, 1, 1)), fresh=True, report=False)
    assert len(cohort_fakes.SEEN) == 300
    assert orjson.loads((out / "summary.json").read_bytes())["asOf"] == "2024-01-01"


def test_an_evaluator_failure_is_listed_not_dropped(population: Path, tmp_path: Path) -> None:
    cohort_fakes.FAIL_IDS = {"p000007"}
    summary = run_cohort(job(population, tmp_path / "out", evaluator=FAKES), report=False)
    refused = [orjson.loads(x) for x in (tmp_path / "out/refused.ndjson").read_bytes().splitlines()]
    failed = [r for r in refused if r["kind"] == "error"]
    assert [r["subject"] for r in failed] == ["Patient/p000007"]
    assert failed[0]["reason"] == "evaluation failed: ZeroDivisionError: a bug"
    assert summary["patients"]["errors"] == 1 and summary["patients"]["total"] == 300
