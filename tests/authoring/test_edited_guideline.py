"""An edited guideline/ rebuilt elsewhere: every human text of the artifacts says the new numbers and none of the
old (titles, descriptions, usage, dosage text, reasons, definitions, narratives), and `assess --package` evaluates
that build while the installed package still answers as before."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from call0603 import paths
from call0603.cli import app

RUNNER = CliRunner()
EXAMPLE = paths.REPO / "examples" / "day14-low-counts.json"
#: Elements whose strings are written for people.
TEXT_ELEMENTS = {"title", "description", "textEquivalent", "usage", "purpose", "text", "div", "documentation", "definition"}
#: (old, new) for each edit: a count threshold, a dose and a day.
EDITS = {
    "anc": ("500/uL", "300/uL"),
    "platelets": ("50,000/uL", "40,000/uL"),
    "dose": ("10 mg/m2", "12 mg/m2"),
    "day": ("18", "19"),
}


def _edit(folder: Path) -> None:
    regimen = folder / "regimen.yaml"
    source = regimen.read_text(encoding="utf-8")
    edited = (source.replace("anc_below: {value: 500, unit: /uL}", "anc_below: {value: 300, unit: /uL}")
              .replace("platelets_below: {value: 50000, unit: /uL}", "platelets_below: {value: 40000, unit: /uL}")
              .replace("dose: {value: 10, unit: mg/m2}", "dose: {value: 12, unit: mg/m2}")
              .replace("schedule: {days: [0, 2, 4, 7, 9, 11, 14, 16, 18]}", "schedule: {days: [0, 2, 4, 7, 9, 11, 14, 16, 19]}"))
    assert edited.count("\n") == source.count("\n") and sum(a != b for a, b in zip(source.splitlines(), edited.splitlines())) == 4
    regimen.write_text(edited, encoding="utf-8")


def _texts(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, item in value.items():
            if k != "content":
                yield from _texts(item, k)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)
    elif isinstance(value, str) and key in TEXT_ELEMENTS:
        yield value


def _resources(root: Path) -> list[dict]:
    files = [*sorted((root / "plandefinitions").glob("*.json")), *sorted((root / "library").glob("*.json"))]
    return [json.loads(f.read_text(encoding="utf-8")) for f in files if not f.name.endswith(".elm.json")]


def _number(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.,]){re.escape(text)}(?![\w]|,\d)")


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    place = tmp_path_factory.mktemp("edited")
    shutil.copytree(paths.GUIDELINE, place / "guideline")
    _edit(place / "guideline")
    result = RUNNER.invoke(app, ["build", "--guideline", str(place / "guideline"), "--out", str(place / "out")])
    assert result.exit_code == 0, result.output
    return place / "out"


def test_no_text_keeps_an_old_number_and_every_new_one_shows(edited: Path) -> None:
    before = [t for r in _resources(paths.REPO) for t in _texts(r)]
    after = [t for r in _resources(edited) for t in _texts(r)]
    for name, (old, new) in EDITS.items():
        assert any(_number(old).search(t) for t in before), f"{name}: the committed texts never said {old}"
        stale = [t for t in after if _number(old).search(t)]
        assert stale == [], f"{name}: still says {old}: {stale[:3]}"
        assert any(_number(new).search(t) for t in after), f"{name}: no text says {new}"


def test_every_resource_has_a_generated_narrative_with_the_new_numbers(edited: Path) -> None:
    resources = _resources(edited)
    assert resources and all(r["text"]["status"] == "generated" for r in resources)
    plan = next(r for r in resources if r["resourceType"] == "PlanDefinition")
    div = plan["text"]["div"]
    assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">') and "<table>" in div
    assert "300/uL" in div and "40,000/uL" in div and "Idarubicin 12 mg/m2 IV" in div and "0, 2, 4, 7, 9, 11, 14, 16 and 19" in div


def _assess(*more: str) -> dict:
    result = RUNNER.invoke(app, ["assess", str(EXAMPLE), "--as-of", "2024-03-18", "--json", *more])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_assess_package_evaluates_the_edited_build(edited: Path) -> None:
    installed = _assess()["idarubicin"]["day14"]
    assert installed["value"] == "withhold"
    rebuilt = _assess("--package", str(edited))["idarubicin"]
    assert rebuilt["day14"]["value"] == "give"  # ANC 380/uL >= 300/uL and platelets 45,000/uL >= 40,000/uL
    assert rebuilt["day0"]["dose"] == {"value": 15.1, "unit": "mg"}  # 12 mg/m2 x 1.258 m2
    (tgz,) = (edited / "release").glob("*.tgz")
    assert _assess("--package", str(tgz))["idarubicin"] == rebuilt


def test_apply_package_puts_the_edited_dose_in_the_careplan(edited: Path) -> None:
    result = RUNNER.invoke(app, ["apply", str(EXAMPLE), "--as-of", "2024-03-18", "--package", str(edited)])
    assert result.exit_code == 0, result.output
    doses = [d["doseAndRate"][1]["doseQuantity"] for r in json.loads(result.stdout)["contained"]
             if r["resourceType"] == "MedicationRequest" and r["id"] == "request-idarubicin-day-0-give"
             for d in r.get("dosageInstruction", []) if len(d.get("doseAndRate", [])) > 1]
    # 12 mg/m2 x 1.2580850 m2 = 15.097, ordered at the 0.01 mg increment: the same 15.1 as the report
    assert [float(q["value"]) for q in doses] == [15.1] and doses[0]["unit"] == "mg"


def test_cohort_package_evaluates_every_patient_with_the_edited_build(edited: Path, tmp_path: Path) -> None:
    from call0603.evaluator.context import load_context

    export, out = tmp_path / "export", tmp_path / "run"
    assert RUNNER.invoke(app, ["synth", "--patients", "3", "--out", str(export), "--seed", "1"]).exit_code == 0
    result = RUNNER.invoke(app, ["cohort", str(export), "--out", str(out), "--as-of", "2025-12-31", "--workers", "1",
                                 "--no-report", "--quiet", "--package", str(edited)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["libraryHash"] == f"sha256:{load_context(edited).library_hash}" != f"sha256:{load_context().library_hash}"
