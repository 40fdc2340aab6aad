"""`call0603 assess` (table) lists what the plan schedules on the as-of day, with the calendar's ordered doses."""

from __future__ import annotations

import re

from sheet_support import EXAMPLE, EXAMPLE_AS_OF
from typer.testing import CliRunner

from call0603.cli import app


def _assess(*extra: str) -> str:
    result = CliRunner().invoke(app, ["assess", str(EXAMPLE), "--as-of", EXAMPLE_AS_OF.isoformat(), *extra],
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_table_ends_with_every_activity_scheduled_today_and_its_dose() -> None:
    out = _assess()
    today = out.split("Scheduled today: study day 14 (2024-03-18)", 1)[1]
    rows = [re.split(r"\s*│\s*", line.strip("│ ")) for line in today.splitlines() if line.startswith("│")]
    assert [r[:3] for r in rows] == [
        ["Prednisolone (oral)", "due", "75.49 mg"], ["Vincristine (intravenous)", "due", "1.89 mg"],
        ["L-asparaginase (E. coli native) (intramuscular)", "due", "7,549 IU"],
        ["Idarubicin (intravenous)", "withhold", "—"], ["Bone marrow examination (morphology)", "resulted", "—"],
    ]
    assert rows[3][3].startswith("counts low") and rows[4][3] == "M1, 3% blasts"
    assert "idarubicin day0  │ give     │ 12.58 mg" in out


def test_json_stays_the_report_contract() -> None:
    assert "Scheduled today" not in _assess("--json")
