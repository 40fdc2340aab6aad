"""The whole package, built from the repository's guideline/: deterministic, up to date, valid, and rebuildable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from call0603 import paths
from call0603.authoring import build_package
from call0603.authoring.check import find_differences
from call0603.authoring.validate import VALIDATORS, validate
from call0603.authoring.write import write_files
from call0603.cli import app
from call0603.guideline import load_guideline

RUNNER = CliRunner()


def test_two_builds_are_byte_identical(built_package) -> None:  # noqa: ANN001
    again = build_package(load_guideline())
    assert again.files == built_package.files


def test_committed_artifacts_are_up_to_date(built_package) -> None:  # noqa: ANN001
    stale = [str(d) for d in find_differences(built_package.files, paths.REPO)]
    assert stale == [], "run `call0603 build` and commit: " + ", ".join(stale)


def test_every_validator_passes_on_every_resource(built_package) -> None:  # noqa: ANN001
    reports = validate(built_package.resources, built_package.context)
    assert {r.validator: [str(f) for f in r.findings] for r in reports} == {name: [] for name, _ in VALIDATORS}
    kinds = {r["resourceType"] for r in built_package.resources}
    assert kinds == {"PlanDefinition", "ActivityDefinition", "Library", "CodeSystem", "ValueSet"}


def test_bundle_and_npm_package_hold_every_resource(built_package) -> None:  # noqa: ANN001
    from call0603.authoring.npm import read_tgz

    bundle = next(json.loads(b) for p, b in built_package.files.items() if p.startswith("release/Bundle-"))
    identities = sorted(f"{r['resourceType']}/{r['id']}" for r in built_package.resources)
    assert sorted(e["request"]["url"] for e in bundle["entry"]) == identities
    tgz = next(b for p, b in built_package.files.items() if p.endswith(".tgz"))
    files = read_tgz(tgz)
    index = json.loads(files["package/.index.json"])
    assert sorted(f"{f['resourceType']}/{f['id']}" for f in index["files"]) == identities
    assert json.loads(files["package/package.json"])["fhirVersions"] == ["4.0.1"]


def test_cli_build_then_check_then_stale(tmp_path: Path) -> None:
    built = RUNNER.invoke(app, ["build", "--root", str(tmp_path)])
    assert built.exit_code == 0, built.output
    checked = RUNNER.invoke(app, ["build", "--check", "--root", str(tmp_path)])
    assert checked.exit_code == 0 and "up to date" in checked.output
    plan = next((tmp_path / "plandefinitions").glob("PlanDefinition-*.json"))
    plan.write_text(plan.read_text().replace('"active"', '"draft"', 1))
    stale = RUNNER.invoke(app, ["build", "--check", "--root", str(tmp_path)])
    assert stale.exit_code == 1
    assert f"plandefinitions/{plan.name}: differs" in stale.output


def test_cli_validate_fails_on_a_broken_artifact(tmp_path: Path, built_package) -> None:  # noqa: ANN001
    write_files(built_package.files, tmp_path)
    plan = next((tmp_path / "plandefinitions").glob("PlanDefinition-*.json"))
    data = json.loads(plan.read_text())
    data["library"] = ["http://fhir.call0603.org/Library/missing|1.0.0"]
    plan.write_text(json.dumps(data))
    result = RUNNER.invoke(app, ["validate", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "does not resolve" in result.output
    assert RUNNER.invoke(app, ["validate", "--root", str(tmp_path / "empty")]).exit_code == 2


def test_a_bad_guideline_edit_stops_the_build_naming_the_file(tmp_path: Path) -> None:
    source = tmp_path / "guideline"
    shutil.copytree(paths.GUIDELINE, source)
    regimen = source / "regimen.yaml"
    regimen.write_text(regimen.read_text().replace("dose: {value: 10, unit: mg/m2}", "dose: {value: ten, unit: mg/m2}", 1))
    result = RUNNER.invoke(app, ["build", "--guideline", str(source), "--root", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "regimen.yaml" in result.output
    assert not (tmp_path / "out").exists()
