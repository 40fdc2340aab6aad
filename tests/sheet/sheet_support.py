"""Shared state of the sheet tests: the example patient, a kit case's sheet, and the calendar written by hand."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from call0603 import paths
from call0603.evaluator.context import EvaluationContext
from call0603.evaluator.inputs import load_patient
from call0603.sheet.model import Sheet, sheet_for

EXAMPLE = paths.REPO / "examples" / "day14-low-counts.json"
EXAMPLE_AS_OF = _dt.date(2024, 3, 18)
#: Where the browser test keeps its screenshot (under the git-ignored build/).
ARTIFACTS = paths.REPO / "build" / "test-artifacts"


def kit_sheet(context: EvaluationContext, case: str, as_of: _dt.date | None = None) -> Sheet:
    """The sheet of a test-kit case on its own start and as-of dates (or `as_of`)."""
    import yaml

    folder = paths.REPO / "tests" / "CALL0603Reinduction" / case
    meta = yaml.safe_load((folder / "case.yaml").read_text())
    return sheet_for(load_patient(Path(folder / "bundle.json"), None), start=_dt.date.fromisoformat(meta["start"]),
                     as_of=as_of or _dt.date.fromisoformat(meta["asOf"]), context=context)


def hand_table() -> dict[tuple[str, int], tuple[str, str | None]]:
    """(row, study day) -> (state, ordered dose) of the example on 2024-03-18 (study day 14), from the regimen by hand.

    Day 0 2024-03-04 from her CarePlan, BSA by Mosteller from 148 cm and 38.5 kg = sqrt(148 x 38.5 / 3600) = 1.2580850
    m2. Ordered doses at the default increments (0.01 mg, 1 IU), half up: prednisolone 60 x 1.2580850 = 75.485 ->
    75.49 mg; vincristine 1.5 x = 1.8871 -> 1.89 mg; L-asparaginase 6000 x = 7548.51 -> 7,549 IU; idarubicin 10 x =
    12.5809 -> 12.58 mg. Day 14: ANC 380/uL and platelets 45,000/uL withhold idarubicin; day 21 is pending.
    """
    def when(day: int) -> str:
        return "past" if day < 14 else "due" if day == 14 else "planned"

    table: dict[tuple[str, int], tuple[str, str | None]] = {}
    table.update({("prednisolone", d): (when(d), "75.49 mg") for d in range(0, 28)})
    table.update({("vincristine", d): (when(d), "1.89 mg") for d in (0, 7, 14, 21)})
    table.update({("asparaginase", d): (when(d), "7,549 IU") for d in (0, 2, 4, 7, 9, 11, 14, 16, 18)})
    table.update({("idarubicin", 0): ("past", "12.58 mg"), ("idarubicin", 7): ("past", "12.58 mg"),
                  ("idarubicin", 14): ("withhold", None), ("idarubicin", 21): ("pending", "12.58 mg")})
    table.update({("intrathecal", d): (when(d), None) for d in (0, 7, 28)})
    table.update({("marrow-exams", 7): ("resulted", None), ("marrow-exams", 14): ("resulted", None),
                  ("marrow-exams", 28): ("planned", None)})
    return table
