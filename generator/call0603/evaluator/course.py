"""The course as a calendar: one row per activity of the plan, one cell per scheduled day, read from the CarePlan.

Nothing is decided here. Each cell is a request of the `$apply` CarePlan (its day, its ordered dose, whether it is
a hold with its reason or a message that the item is not decided with why); the only words added are where the
day stands against the as-of date (`past`, `due`, `planned`; `resulted` for an examination with its result), and,
for an undecided item, the report's own value (`pending` or `indeterminate`) of the decision the item stands for.
A scheduled examination the CarePlan leaves out is `not-indicated` (its condition is false: the day-14 marrow after
a day-7 M1) or, when the report's value of that marrow is `pending` or `indeterminate`, that value; with the
report's reason. A request dosed per m2 that carries no ordered dose (the BSA is not known) says so, with the BSA's
reason, instead of showing a day with no dose.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from ..guideline.model import Guideline
from ..units import amount_display
from .apply import walk_actions

#: Where a day stands against the as-of date, for a request to give or to examine.
PAST, DUE, PLANNED = "past", "due", "planned"
WITHHOLD, NOT_INDICATED, RESULTED = "withhold", "not-indicated", "resulted"
#: The mark of a dose-per-m2 request whose ordered dose is missing (the BSA is not known).
NO_DOSE = "no dose"
ORDERED = "ordered"
CALCULATED = "calculated"


@dataclass(frozen=True)
class Cell:
    """One scheduled day of one activity: its state on the as-of date, ordered dose, reason and result."""

    day: int
    date: _dt.date
    state: str
    dose: str | None = None
    reason: str | None = None
    result: str | None = None
    mark: str = ""


@dataclass(frozen=True)
class Row:
    """One activity of the plan (an agent, the intrathecal regimen, the marrow examinations)."""

    id: str
    title: str
    detail: str
    cells: tuple[Cell, ...]

    def cell(self, day: int) -> Cell | None:
        """The cell of study day `day`, if the activity is scheduled that day."""
        return next((c for c in self.cells if c.day == day), None)


@dataclass(frozen=True)
class Course:
    """The calendar of one patient's course as of a date."""

    day0: _dt.date
    as_of: _dt.date
    days: tuple[int, ...]
    rows: tuple[Row, ...]

    @property
    def study_day(self) -> int:
        """The as-of date's study day."""
        return (self.as_of - self.day0).days

    def date_of(self, day: int) -> _dt.date:
        """The calendar date of study day `day`."""
        return self.day0 + _dt.timedelta(days=day)

    def on(self, day: int) -> list[tuple[Row, Cell]]:
        """Every activity scheduled on study day `day`, in plan order."""
        return [(row, cell) for row in self.rows if (cell := row.cell(day)) is not None]

    def today(self) -> list[tuple[Row, Cell]]:
        """Every activity scheduled on the as-of day, in plan order, whatever its state."""
        return self.on(self.study_day)


def _day(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text[:10])


def _doses(request: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The request's doseAndRate quantities by type code (`calculated`, `ordered`)."""
    out: dict[str, Mapping[str, Any]] = {}
    for dosage in request.get("dosageInstruction", [])[:1]:
        for rate in dosage.get("doseAndRate", []):
            codes = [c.get("code") for c in (rate.get("type") or {}).get("coding", [])]
            if codes and "doseQuantity" in rate:
                out[codes[0]] = rate["doseQuantity"]
    return out


def _amount(quantity: Mapping[str, Any] | None) -> str | None:
    if not quantity or quantity.get("value") is None:
        return None
    return amount_display(quantity["value"], quantity.get("code") or quantity.get("unit") or "")


def _dates(action: Mapping[str, Any]) -> list[_dt.date]:
    """The days a RequestGroup action is timed on: its date, or every day of a once-daily Timing's bounds."""
    if "timingDateTime" in action:
        return [_day(action["timingDateTime"])]
    bounds = ((action.get("timingTiming") or {}).get("repeat") or {}).get("boundsPeriod") or {}
    if "start" not in bounds or "end" not in bounds:
        return []
    first, last = _day(bounds["start"]), _day(bounds["end"])
    return [first + _dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _when(date: _dt.date, as_of: _dt.date) -> str:
    return PAST if date < as_of else DUE if date == as_of else PLANNED


def _report_value(report: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    node: Any = report
    for key in field.split("."):
        node = (node or {}).get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


@dataclass(frozen=True)
class _Reader:
    """What a cell is read from: the CarePlan's requests, the report, and which report field each define is."""

    requests: Mapping[str, Mapping[str, Any]]
    planned: Mapping[str, Mapping[str, Any]]
    report: Mapping[str, Any]
    fields_by_define: Mapping[str, str]
    results_by_day: Mapping[int, str]
    missing_dose_reason: str
    as_of: _dt.date

    def cell(self, action: Mapping[str, Any], date: _dt.date, day: int) -> Cell:
        request = self.requests.get(action["resource"]["reference"].removeprefix("#"), {})
        kind = request.get("resourceType")
        if kind == "CommunicationRequest":
            reason = next((p.get("contentString") for p in request.get("payload", []) if "contentString" in p), None)
            condition = _condition(self.planned.get(action.get("id", ""), {}))
            decision = _report_value(self.report, self.fields_by_define.get(condition, ""))
            return Cell(day, date, decision.get("value") or "indeterminate", dose=_amount(decision.get("dose")), reason=reason)
        if request.get("doNotPerform"):
            reason = next((r.get("text") for r in request.get("reasonCode", []) if r.get("text")), None)
            return Cell(day, date, WITHHOLD, reason=reason)
        result = self.results_by_day.get(day) if kind == "ServiceRequest" else None
        state = RESULTED if result else _when(date, self.as_of)
        doses = _doses(request)
        if CALCULATED in doses and ORDERED not in doses:
            return Cell(day, date, state, reason=f"no ordered dose: {self.missing_dose_reason}", mark=NO_DOSE)
        return Cell(day, date, state, dose=_amount(doses.get(ORDERED)), result=result, mark=_mark(request))


def _mark(request: Mapping[str, Any]) -> str:
    """A short word for a request without a dose: `exam` for an examination, the route's initials (`IT`) for a drug."""
    if request.get("resourceType") == "ServiceRequest":
        return "exam"
    route = next(iter(request.get("dosageInstruction", [])), {}).get("route") or {}
    words = str(route.get("text") or "").removesuffix(" route").split()
    return {"Intrathecal": "IT", "Intravenous": "IV", "Intramuscular": "IM", "Oral": "PO"}.get(words[0], "give") if words else "give"


def _condition(action: Mapping[str, Any]) -> str:
    for condition in action.get("condition", []):
        if condition.get("kind") == "applicability":
            return str(condition["expression"].get("expression"))
    return ""


def _leaves(action: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The actions under `action` (itself included) that carry a request."""
    for a in walk_actions([dict(action)]):
        if "resource" in a:
            yield a


def _planned(action: Mapping[str, Any], applied: set[str]) -> Iterator[tuple[Mapping[str, Any], int]]:
    """The PlanDefinition's timed leaves under `action` whose parent group the CarePlan applied, with their day."""
    def walk(node: Mapping[str, Any], parent_applied: bool) -> Iterator[tuple[Mapping[str, Any], int]]:
        if "definitionCanonical" in node and parent_applied:
            for related in node.get("relatedAction", [])[:1]:
                yield node, int((related.get("offsetDuration") or {}).get("value", 0))
        for child in node.get("action", []):
            yield from walk(child, node.get("id") in applied)
    yield from walk(action, True)


def _detail(row_requests: list[Mapping[str, Any]]) -> str:
    """The row's dose rule as the requests carry it (`60 mg/m2 x BSA`), else the first dosage's text."""
    for request in row_requests:
        calculated = _amount(_doses(request).get(CALCULATED))
        if calculated:
            return f"{calculated} × BSA"
    for request in row_requests:
        for dosage in request.get("dosageInstruction", [])[:1]:
            if dosage.get("text"):
                return str(dosage["text"])
    return ""


def _not_applied(guideline: Guideline, report: Mapping[str, Any], day: int, condition: str) -> tuple[str, str]:
    """The state and reason of a scheduled day the CarePlan left out, from the report's value of that examination."""
    exam = next((m for m in guideline.regimen.marrow_exams if m.day == day and m.condition_define == condition), None)
    found = _report_value(report, f"marrow.{exam.window_name}") if exam is not None else {}
    state = found.get("value") if found.get("value") in ("pending", "indeterminate") else NOT_INDICATED
    return str(state), str(found.get("reason") or f"condition \"{condition}\" is not met")


def marrow_results(guideline: Guideline, report: Mapping[str, Any]) -> dict[int, str]:
    """The report's marrow status of each examination day that has one (`M2, 12% blasts`)."""
    out = {}
    for exam in guideline.regimen.marrow_exams:
        found = _report_value(report, f"marrow.{exam.window_name}")
        if found.get("value") in ("M1", "M2", "M3"):
            blasts = found.get("blastPercent")
            out[exam.day] = str(found["value"]) + (f", {blasts:g}% blasts" if isinstance(blasts, (int, float)) else "")
    return out


def _activity_title(planned_row: Mapping[str, Any], applied: set[str], activities: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The title of the activity a row orders (`Vincristine (intravenous)`): its first applied leaf that gives or examines."""
    for node, _ in _planned(planned_row, applied):
        activity = activities.get(node.get("definitionCanonical", ""), {})
        if activity.get("kind") in ("MedicationRequest", "ServiceRequest") and not activity.get("doNotPerform"):
            return str(activity.get("title")) if activity.get("title") else None
    return None


def fields_by_define(guideline: Guideline, report_defines: Mapping[str, str]) -> dict[str, str]:
    """Report field of each define an undecided request stands for (a day's `Undecided` -> its decision's field)."""
    by_define = {define: field for field, define in report_defines.items()}
    out = {e.undecided_define: by_define.get(e.decision_define, "") for e in guideline.regimen.withholding.decisions}
    out[guideline.regimen.intrathecal.undetermined_define] = "cnsStatus"
    return out


def _row(planned_row: Mapping[str, Any], applied_row: Mapping[str, Any], applied: set[str], reader: _Reader,
         guideline: Guideline, activities: Mapping[str, Mapping[str, Any]], day0: _dt.date) -> Row:
    """One row: a cell per request of the applied action, then the scheduled days the CarePlan left out."""
    cells: dict[int, Cell] = {}
    requests = []
    for leaf in _leaves(applied_row):
        requests.append(reader.requests.get(leaf["resource"]["reference"].removeprefix("#"), {}))
        for date in _dates(leaf):
            day = (date - day0).days
            cells.setdefault(day, reader.cell(leaf, date, day))
    for node, day in _planned(planned_row, applied):
        if day not in cells and node.get("id") not in applied:
            state, reason = _not_applied(guideline, reader.report, day, _condition(node))
            cells[day] = Cell(day, day0 + _dt.timedelta(days=day), state, reason=reason)
    groups = [a for a in applied_row.get("action", []) if a.get("action") and a.get("title")]
    title = str(groups[0]["title"]) if len(groups) == 1 else (
        _activity_title(planned_row, applied, activities) or str(planned_row.get("title", planned_row["id"])))
    return Row(planned_row["id"], title, _detail(requests), tuple(sorted(cells.values(), key=lambda c: c.day)))


def course_from(
    careplan: Mapping[str, Any],
    plan: Mapping[str, Any],
    report: Mapping[str, Any],
    guideline: Guideline,
    report_defines: Mapping[str, str],
    activities: Mapping[str, Mapping[str, Any]],
    *,
    last_day: int = 30,
) -> Course:
    """The calendar of `careplan` (the `$apply` of `plan`) with the report's values, study days 0 to `last_day`."""
    day0, as_of = _day(careplan["period"]["start"]), _day(report["asOf"])
    contained = {r["id"]: r for r in careplan.get("contained", [])}
    group = contained[careplan["activity"][0]["reference"]["reference"].removeprefix("#")]
    applied_by_id = {a["id"]: a for a in walk_actions(group.get("action", [])) if "id" in a}
    planned_by_id = {a["id"]: a for a in walk_actions(plan.get("action", [])) if "id" in a}
    bsa = _report_value(report, "bsa")
    reader = _Reader(contained, planned_by_id, report, fields_by_define(guideline, report_defines),
                     marrow_results(guideline, report), f"BSA not known ({bsa.get('reason') or 'no reason given'})", as_of)
    rows = [_row(planned_row, applied_by_id[planned_row["id"]], set(applied_by_id), reader, guideline, activities, day0)
            for top in plan.get("action", []) for planned_row in top.get("action", []) if planned_row["id"] in applied_by_id]
    return Course(day0, as_of, tuple(range(last_day + 1)), tuple(rows))
