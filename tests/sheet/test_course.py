"""The course calendar, cell by cell, against a table written by hand from the regimen (conftest.hand_table),
and the cells of the decisions the kit cases leave open."""

from __future__ import annotations

import datetime as _dt

from sheet_support import hand_table, kit_sheet

from call0603.evaluator.context import EvaluationContext
from call0603.sheet.model import Sheet


def test_example_calendar_equals_the_hand_written_table(example_sheet: Sheet) -> None:
    course = example_sheet.course
    got = {(row.id, cell.day): (cell.state, cell.dose) for row in course.rows for cell in row.cells}
    assert got == hand_table()
    assert [row.id for row in course.rows] == ["prednisolone", "vincristine", "asparaginase", "idarubicin", "intrathecal",
                                               "marrow-exams"]
    assert course.days == tuple(range(31)) and course.study_day == 14
    assert course.date_of(21) == _dt.date(2024, 3, 25)


def test_example_cells_carry_reasons_results_and_titles(example_sheet: Sheet) -> None:
    course = example_sheet.course
    rows = {row.id: row for row in course.rows}
    held = rows["idarubicin"].cell(14)
    assert held is not None and held.reason == example_sheet.report["idarubicin"]["day14"]["reason"]
    pending = rows["idarubicin"].cell(21)
    assert pending is not None and pending.reason == "study day 21 (2024-03-25) not reached"
    assert [rows["marrow-exams"].cell(d).result for d in (7, 14)] == ["M2, 12% blasts", "M1, 3% blasts"]  # type: ignore[union-attr]
    assert rows["intrathecal"].title == "Intrathecal cytarabine and hydrocortisone (CNS negative)"
    assert {c.mark for c in rows["intrathecal"].cells} == {"IT"}
    assert rows["idarubicin"].detail == "10 mg/m² × BSA"


def test_today_lists_every_activity_of_the_day(example_sheet: Sheet) -> None:
    due = [(row.id, cell.state, cell.dose) for row, cell in example_sheet.course.today()]
    assert due == [("prednisolone", "due", "75.49 mg"), ("vincristine", "due", "1.89 mg"),
                   ("asparaginase", "due", "7,549 IU"), ("idarubicin", "withhold", None), ("marrow-exams", "resulted", None)]


def test_calendar_doses_are_the_careplan_and_report_numbers(example_sheet: Sheet) -> None:
    ordered = {}
    for resource in example_sheet.careplan["contained"]:
        for rate in (resource.get("dosageInstruction") or [{}])[0].get("doseAndRate", []):
            if rate["type"]["coding"][0]["code"] == "ordered":
                ordered[resource["id"]] = (rate["doseQuantity"]["value"], rate["doseQuantity"]["code"], rate["doseQuantity"]["unit"])
    assert ordered["request-prednisolone"] == (75.49, "mg", "mg")
    assert ordered["request-asparaginase-day-0"] == (7549, "[iU]", "IU")
    assert ordered["request-idarubicin-day-7-give"] == (12.58, "mg", "mg")
    assert example_sheet.report["idarubicin"]["day21"]["dose"] == {"value": 12.58, "unit": "mg"}


def test_a_day7_m1_marrow_makes_day14_not_indicated(context: EvaluationContext) -> None:
    sheet = kit_sheet(context, "baseline-rer")
    marrow = {row.id: row for row in sheet.course.rows}["marrow-exams"]
    day14 = marrow.cell(14)
    assert day14 is not None and day14.state == "not-indicated"
    assert day14.reason == sheet.report["marrow"]["day14"]["reason"]
    assert [c.state for c in marrow.cells] == ["resulted", "not-indicated", "resulted"]


def test_unknown_cns_status_is_a_not_decided_intrathecal_cell_with_why(context: EvaluationContext) -> None:
    sheet = kit_sheet(context, "cns-unknown-no-csf")
    intrathecal = {row.id: row for row in sheet.course.rows}["intrathecal"]
    assert [(c.day, c.state) for c in intrathecal.cells] == [(0, "indeterminate")]
    assert intrathecal.cells[0].reason == sheet.report["cnsStatus"]["reason"]


def test_missing_counts_make_the_day_indeterminate_not_a_dose(context: EvaluationContext) -> None:
    sheet = kit_sheet(context, "anc-missing")
    day14 = {row.id: row for row in sheet.course.rows}["idarubicin"].cell(14)
    assert day14 is not None and day14.state == "indeterminate"
    assert day14.reason == sheet.report["idarubicin"]["day14"]["reason"]


def test_a_dose_per_m2_without_a_bsa_says_so_on_its_day(context: EvaluationContext) -> None:
    sheet = kit_sheet(context, "bsa-missing")
    rows = {row.id: row for row in sheet.course.rows}
    due = rows["prednisolone"].cell(sheet.course.study_day)
    assert due is not None and (due.state, due.dose, due.mark) == ("due", None, "no dose")
    assert due.reason == "no ordered dose: BSA not known (no height within 30 days before day 0)"
    assert all(c.dose is None and c.reason == due.reason for c in rows["vincristine"].cells)
    assert all(c.reason is None and c.mark == "IT" for c in rows["intrathecal"].cells)
