"""`call0603 cohort` and `call0603 synth` on the command line: outputs, refusals with exit 2, failures with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from call0603.cli import app

PLUMBING = ["--evaluator", "call0603.cohort.plumbing", "--no-report", "--quiet", "--as-of", "2025-12-31"]


def test_synth_then_cohort(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["synth", "--patients", "40", "--out", str(tmp_path / "export"), "--seed", "2", "--gzip"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "export").iterdir())[0] == "CarePlan.ndjson.gz"
    result = runner.invoke(app, ["cohort", str(tmp_path / "export"), "--out", str(tmp_path / "out"), "--workers", "1", *PLUMBING])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out/summary.json").read_text())
    assert f"{summary['patients']['total']} patients: {summary['patients']['assessed']} assessed" in result.output
    assert summary["patients"]["total"] == 40


def test_an_unusable_export_is_refused_with_one_line_and_nothing_written(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"p1"}\n[1, 2]\n')
    result = CliRunner().invoke(app, ["cohort", str(export), "--out", str(tmp_path / "out"), "--workers", "1", *PLUMBING])
    assert result.exit_code == 2
    assert result.output.strip() == f"call0603: {export / 'Patient.ndjson'}:2: not a FHIR resource"
    assert not (tmp_path / "out").exists()


def test_bad_options_are_refused(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"p1"}\n')
    runner = CliRunner()
    result = runner.invoke(app, ["cohort", str(export), "--out", str(tmp_path / "o"), "--as-of", "2025-13-01", "--quiet"])
    assert result.exit_code == 2 and "not a calendar date" in result.output
    (tmp_path / "s.csv").write_text("patient,start\np1,yesterday\n")
    result = runner.invoke(app, ["cohort", str(export), "--out", str(tmp_path / "o"), "--starts", str(tmp_path / "s.csv"), *PLUMBING])
    assert result.exit_code == 2 and "s.csv:2" in result.output
    assert not (tmp_path / "o").exists()
