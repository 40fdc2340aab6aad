"""The dispensable-dose settings change the one ordered number everywhere: the CQL, the CarePlan, the report, the
calendar and the page. A copy of guideline/ is edited, built into a scratch root, and the example evaluated on it.

Example BSA 1.2580850 m2 (148 cm, 38.5 kg, Mosteller). With idarubicin rounded to 0.5 mg: 12.5809 -> 12.5 mg;
L-asparaginase to 100 IU: 7548.51 -> 7,500 IU; vincristine at 0.01 mg with a cap of 1.5 mg: 1.8871 -> 1.89 -> 1.5 mg;
prednisolone keeps 0.01 mg: 75.49 mg.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sheet_support import EXAMPLE, EXAMPLE_AS_OF

from call0603 import paths
from call0603.authoring import build_package
from call0603.authoring.write import write_files
from call0603.evaluator.context import load_context
from call0603.evaluator.inputs import load_patient
from call0603.guideline import load_guideline
from call0603.sheet.model import Sheet, sheet_for
from call0603.sheet.page import render_sheet

EDITS = (
    ("    - {agent: idarubicin, increment: {value: 0.01, unit: mg}}", "    - {agent: idarubicin, increment: {value: 0.5, unit: mg}}"),
    ("    - {agent: asparaginase, increment: {value: 1, unit: \"[iU]\"}}", "    - {agent: asparaginase, increment: {value: 100, unit: \"[iU]\"}}"),
    ("dose_caps:\n  enabled: false", "dose_caps:\n  enabled: true"),
    ("    - {agent: vincristine, max: {value: 2, unit: mg}}", "    - {agent: vincristine, max: {value: 1.5, unit: mg}}"),
)


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Sheet]:
    """A scratch root built from the edited settings, and the example's sheet on it."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(paths.GUIDELINE, root / "guideline")
    settings = root / "guideline" / "settings.yaml"
    text = settings.read_text()
    for old, new in EDITS:
        assert old in text
        text = text.replace(old, new)
    settings.write_text(text)
    write_files(build_package(load_guideline(root / "guideline")).files, root)
    context = load_context(root)
    return root, sheet_for(load_patient(EXAMPLE, None), start=None, as_of=EXAMPLE_AS_OF, context=context)


def test_the_cql_rounds_and_caps_as_set(edited: tuple[Path, Sheet]) -> None:
    cql = next((edited[0] / "library").glob("Library-*reinduction.cql")).read_text()
    assert "Round(10 * \"BSA\" / 0.5) * 0.5" in cql
    assert "Round(6000 * \"BSA\" / 100) * 100" in cql
    assert "Min({ Round(1.5 * \"BSA\", 2), 1.5 })" in cql
    assert "Round(60 * \"BSA\", 2)" in cql


def test_careplan_report_calendar_and_page_show_the_same_ordered_dose(edited: tuple[Path, Sheet]) -> None:
    sheet = edited[1]
    ordered = {}
    for resource in sheet.careplan["contained"]:
        for rate in (resource.get("dosageInstruction") or [{}])[0].get("doseAndRate", []):
            if rate["type"]["coding"][0]["code"] == "ordered":
                ordered[resource["id"]] = Decimal(str(rate["doseQuantity"]["value"]))
    assert ordered["request-idarubicin-day-0-give"] == Decimal("12.5")
    assert ordered["request-asparaginase-day-2"] == Decimal("7500")
    assert ordered["request-vincristine-day-7"] == Decimal("1.5")
    assert ordered["request-prednisolone"] == Decimal("75.49")
    assert sheet.report["idarubicin"]["day0"]["dose"] == {"value": 12.5, "unit": "mg"}
    assert sheet.report["idarubicin"]["day21"]["dose"] == {"value": 12.5, "unit": "mg"}
    rows = {row.id: row for row in sheet.course.rows}
    assert {c.dose for c in rows["idarubicin"].cells} == {"12.5 mg", None}
    assert {c.dose for c in rows["asparaginase"].cells} == {"7,500 IU"}
    assert {c.dose for c in rows["vincristine"].cells} == {"1.5 mg"}
    page = render_sheet(sheet)
    assert 'data-dose="7,500 IU"' in page and 'data-dose="12.5 mg"' in page and 'data-dose="1.5 mg"' in page
    assert "7,549" not in page and "12.58" not in page and "1.89 mg" not in page
