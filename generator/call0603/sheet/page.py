"""The sheet as one self-contained HTML page (inline CSS and SVG, no script, no network), printable on A4."""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Mapping

import jinja2

from .. import __version__
from ..evaluator.course import Cell, Course
from .figure import counts_figure
from ..units import amount_display, unit_display
from .model import SERIES, Measure, Sheet

#: Report fields that are not decisions (shown in the header, or descriptive).
NOT_DECISIONS = ("subject", "start", "asOf", "studyDay", "ignored", "characteristics", "followUp")
#: The short word a cell shows for its state, and the legend's explanation.
STATE_WORDS = {
    "past": ("", "before the as-of date (ordered dose shown; whether it was given is not recorded here)"),
    "due": ("DUE", "due on the as-of date"),
    "planned": ("", "scheduled after the as-of date"),
    "withhold": ("HOLD", "withheld by the rule: do not give (reason below)"),
    "pending": ("wait", "pending: decided on its day, from that day's results"),
    "indeterminate": ("??", "not decided: data missing or unusable (reason below)"),
    "not-indicated": ("n/i", "not indicated (reason below)"),
    "resulted": ("", "examination with its result"),
}


@dataclass(frozen=True)
class CellNote:
    """The reason shared by cells of one row (one line under the calendar, however many days it covers)."""

    row: str
    title: str
    days: tuple[int, ...]
    when: str
    states: str
    reason: str


def _cell_notes(course: Course) -> list[CellNote]:
    """Each row's cell reasons, the days that share a reason on one line (`day 21 (2024-03-25)`, `days 0-27`)."""
    notes = []
    for row in course.rows:
        by_reason: dict[str, list[Cell]] = {}
        for cell in row.cells:
            if cell.reason:
                by_reason.setdefault(cell.reason, []).append(cell)
        for reason, cells in by_reason.items():
            days = tuple(c.day for c in cells)
            when = (f"day {days[0]} ({cells[0].date.isoformat()})" if len(days) == 1 else
                    f"days {days[0]}-{days[-1]}" if days == tuple(range(days[0], days[-1] + 1)) else
                    "days " + ", ".join(str(d) for d in days))
            states = ", ".join(dict.fromkeys(c.state for c in cells))
            notes.append(CellNote(row.id, row.title, days, when, states, reason))
    return notes


@dataclass(frozen=True)
class DecisionLine:
    """One decision of the report, as a line of the decisions table."""

    name: str
    value: str
    dose: str
    reason: str
    evidence: tuple[str, ...]
    open: bool


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _date(day: _dt.date) -> str:
    """`4 Mar`: the same on every machine (no locale)."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def _weekday(day: _dt.date) -> str:
    return WEEKDAYS[day.weekday()]


def _measure(m: Measure | None) -> str:
    if m is None:
        return "not found"
    value = f"{m.value.normalize():f}" if isinstance(m.value, Decimal) else str(m.value)
    return f"{value} {m.unit}" + (f" ({m.date.isoformat()})" if m.date else "")


def _label(path: str) -> str:
    words = {"relapseTiming": "relapse timing", "riskGroup": "risk group", "cytogeneticGroup": "cytogenetics",
             "cnsStatus": "CNS status", "bsa": "BSA", "cr2": "CR2"}
    parts = path.split(".")
    return " ".join(words.get(p, p.replace("day", "day ")) if i else words.get(p, p) for i, p in enumerate(parts))


def _decisions(report: Mapping[str, Any], dose_of: Mapping[str, str]) -> Iterator[DecisionLine]:
    for key, value in report.items():
        if key in NOT_DECISIONS or not isinstance(value, Mapping):
            continue
        if "value" in value or "grade" in value or "reasons" in value:
            yield _line(key, value, dose_of)
        else:
            for inner, decision in value.items():
                if isinstance(decision, Mapping):
                    yield _line(f"{key}.{inner}", decision, dose_of)


def _line(path: str, d: Mapping[str, Any], dose_of: Mapping[str, str]) -> DecisionLine:
    if "grade" in d:
        shown = "—" if d["grade"] is None else f"grade {d['grade']}"
    else:
        shown = "—" if d.get("value") is None else str(d["value"])
        if path == "bsa" and d.get("value") is not None:
            shown = f"{d['value']:.2f} m²"
    reason = "; ".join(d["reasons"]) if d.get("reasons") else str(d.get("reason") or "")
    return DecisionLine(_label(path), shown, dose_of.get(path, ""), reason, tuple(d.get("evidence") or ()),
                        shown in ("withhold", "indeterminate", "pending"))


def _doses(report: Mapping[str, Any]) -> dict[str, str]:
    """The dose each decision carries, as the calendar shows it (the report's own ordered dose)."""
    out = {}
    for key, value in report.items():
        if isinstance(value, Mapping):
            for inner, d in value.items():
                if isinstance(d, Mapping) and isinstance(d.get("dose"), Mapping):
                    out[f"{key}.{inner}"] = amount_display(d["dose"]["value"], d["dose"]["unit"])
    return out


def _marrow_labels(report: Mapping[str, Any]) -> dict[str, str]:
    """The report's marrow status of each marrow result it rests on (`Observation/marrow-day7` -> `M2`)."""
    out = {}
    for decision in (report.get("marrow") or {}).values():
        if decision.get("value") in ("M1", "M2", "M3"):
            out.update({ref: str(decision["value"]) for ref in decision.get("evidence") or []})
    return out


def _patient_line(patient: Mapping[str, Any]) -> str:
    names = patient.get("name") or []
    name = ""
    if names:
        first = names[0]
        name = first.get("text") or " ".join([*(first.get("given") or []), first.get("family") or ""]).strip()
    parts = [name, patient.get("gender") or "", f"born {patient['birthDate']}" if patient.get("birthDate") else ""]
    return ", ".join(p for p in parts if p)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["short_date"] = _date
    env.filters["weekday"] = _weekday
    return env


def render_sheet(sheet: Sheet) -> str:
    """The sheet's HTML."""
    course, report = sheet.course, sheet.report
    figure = counts_figure(sheet.series, sheet.context.guideline, last_day=course.days[-1], today=course.study_day,
                           marrow_labels=_marrow_labels(report))
    outside = [(p, unit_display(SERIES[name][1])) for name, points in sheet.series.items() for p in points
               if p.day < course.days[0] or p.day > course.days[-1]]
    return _environment().get_template("sheet.html.j2").render(
        sheet=sheet, course=course, report=report, patient_line=_patient_line(sheet.patient),
        height=_measure(sheet.height), weight=_measure(sheet.weight), figure=figure, outside=outside,
        today=course.today(), notes=_cell_notes(course), decisions=list(_decisions(report, _doses(report))),
        words=STATE_WORDS, version=__version__, library_hash=sheet.context.library_hash[:12],
        bsa=report.get("bsa") or {},
    )
