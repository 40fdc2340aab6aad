"""No traceback and no harm in a cohort run (data-quality.md §7): unreadable files and unusable output folders are
refused in one line naming them (exit 2, nothing written, the export never written), and the first SIGINT or
SIGTERM stops a real run within seconds — workers included — leaving it resumable."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from call0603.cli import app
from call0603.cohort.synth.writer import synthesize

PLUMBING = ["--evaluator", "call0603.cohort.plumbing", "--no-report", "--quiet", "--as-of", "2025-12-31"]
ENGINES = [["--workers", "1"], ["--workers", "2"], ["--engine", "dask", "--scheduler", "in-process", "--workers", "2"]]
REPO = Path(__file__).resolve().parents[2]
#: Patients of the export the signal tests stop and resume (about 6 s at cohort_slow's pace on two workers).
PATIENTS = 300


def _copy(population: Path, tmp_path: Path) -> Path:
    export = tmp_path / "export"
    shutil.copytree(population, export)
    return export


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(args: list[str], *words: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("call0603: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("engine", ENGINES, ids=["in-process", "pool", "dask"])
def test_a_gzip_file_that_is_not_gzip_is_refused(population: Path, tmp_path: Path, engine: list[str]) -> None:
    export = _copy(population, tmp_path)
    (export / "Observation.x.ndjson.gz").write_bytes(b"not gzip\n")
    out = tmp_path / "out"
    refused(["cohort", str(export), "--out", str(out), *engine, *PLUMBING], "Observation.x.ndjson.gz", "not a gzip file")
    assert not out.exists()


@pytest.mark.parametrize("engine", ENGINES, ids=["in-process", "pool", "dask"])
def test_a_truncated_gzip_file_is_refused(population: Path, tmp_path: Path, engine: list[str]) -> None:
    export = _copy(population, tmp_path)
    whole = gzip.compress((export / "Observation.ndjson").read_bytes())
    (export / "Observation.x.ndjson.gz").write_bytes(whole[: len(whole) // 3])
    out = tmp_path / "out"
    refused(["cohort", str(export), "--out", str(out), *engine, *PLUMBING], "Observation.x.ndjson.gz", "cut short")
    assert not out.exists()


def test_a_folder_named_like_an_ndjson_file_is_refused(population: Path, tmp_path: Path) -> None:
    export = _copy(population, tmp_path)
    (export / "Observation.x.ndjson").mkdir()
    refused(["cohort", str(export), "--out", str(tmp_path / "out"), *PLUMBING], "Observation.x.ndjson", "is a folder")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["export", "inside"])
def test_out_equal_to_or_inside_the_export_is_refused_and_the_export_untouched(population: Path, tmp_path: Path,
                                                                               where: str) -> None:
    export = _copy(population, tmp_path)
    before = _files(export)
    out = export if where == "export" else export / "results"
    refused(["cohort", str(export), "--out", str(out), *PLUMBING], str(out), "input is never written")
    assert _files(export) == before and sorted(p.name for p in export.iterdir()) == sorted(before)


def test_out_that_is_a_file_is_refused(population: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    out.write_text("{}")
    refused(["cohort", str(population), "--out", str(out), *PLUMBING], str(out), "not a folder")
    assert out.read_text() == "{}"


def test_a_read_only_out_is_refused(population: Path, tmp_path: Path) -> None:
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    out = read_only / "out"
    if os.access(read_only, os.W_OK):  # root writes anywhere: take a folder the kernel itself keeps read-only
        out = Path("/sys/call0603-cohort-out")
        if not Path("/sys").is_dir() or out.exists():
            pytest.skip("no read-only folder to write into")
    refused(["cohort", str(population), "--out", str(out), *PLUMBING], str(out))
    assert not out.exists()


def test_synth_into_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    out.write_text("{}")
    refused(["synth", "--patients", "3", "--out", str(out)], str(out), "not a folder")


# --- stopping a real run ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def slow_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough patients that a run at cohort_slow's pace takes several seconds on two workers."""
    out = tmp_path_factory.mktemp("slow") / "export"
    synthesize(out, PATIENTS, seed=11)
    return out


def _children(pid: int) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return {int(p) for p in found}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["subject"] for line in path.read_text().splitlines()]


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep")
@pytest.mark.parametrize("signum, engine, within", [
    (signal.SIGINT, ["--workers", "2", "--buckets", "4"], 10.0),
    (signal.SIGTERM, ["--workers", "2", "--buckets", "4"], 10.0),
    (signal.SIGTERM, ["--engine", "dask", "--workers", "2"], 20.0),
], ids=["sigint-local", "sigterm-local", "sigterm-dask"])
def test_the_first_signal_stops_a_run_and_it_resumes(slow_export: Path, tmp_path: Path, signum: int,
                                                      engine: list[str], within: float) -> None:
    out = tmp_path / "out"
    args = [sys.executable, "-m", "call0603", "cohort", str(slow_export), "--out", str(out), "--quiet", "--no-report",
            "--as-of", "2025-12-31", "--evaluator", "cohort_slow", *engine]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "generator"), str(Path(__file__).parent)])}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while not any((out / ".work" / "parts").glob("*.ndjson*")) and process.poll() is None:
            assert time.monotonic() < deadline, "the run never started evaluating"
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()
        workers = _children(process.pid)
        started = time.monotonic()
        process.send_signal(signum)
        _, err = process.communicate(timeout=within + 30)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, err
    assert took < within, took
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].endswith("run the same command again to resume"), err
    time.sleep(3)  # the resource tracker notices its parent has gone
    assert not [pid for pid in workers if _alive(pid)]
    assert not (out / "summary.json").exists()
    # Any engine resumes the run: one in-process worker is the quickest to start.
    resume = [a for a in args[: args.index("--evaluator") + 2]] + ["--workers", "1"]
    resumed = subprocess.run(resume, capture_output=True, text=True, env=env, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    subjects = _ids(out / "assessments.ndjson") + _ids(out / "refused.ndjson")
    assert len(subjects) == len(set(subjects)) == PATIENTS
