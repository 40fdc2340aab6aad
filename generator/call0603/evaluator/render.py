"""The assessment report and its trace as terminal tables (rich), for people; `--json` is for programs."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..units import amount_display
from .course import Course

#: Colours by decision word: what to do stands out, what is not known is never mistaken for a decision.
STYLES = {
    "give": "green", "eligible": "green", "met": "green", "RER": "green", "negative": "green",
    "withhold": "bold red", "not-eligible": "red", "not-met": "red", "induction-failure": "red",
    "induction-death": "bold red", "positive": "red", "SER": "yellow",
    "indeterminate": "bold yellow", "missing": "yellow", "pending": "dim", "not-indicated": "dim",
    "due": "bold blue", "resulted": "green",
}


def _text(value: Any) -> str:
    """Data as terminal text: brackets in it (a unit `[/x]`, an id) are shown, never read as rich markup."""
    return escape("" if value is None else str(value))


def _word(value: Any) -> str:
    text = "—" if value is None else str(value)
    style = STYLES.get(text)
    return f"[{style}]{text}[/{style}]" if style else escape(text)


def _why(decision: Any) -> str:
    if not isinstance(decision, dict):
        return ""
    if decision.get("reasons"):
        return _text("; ".join(str(r) for r in decision["reasons"]))
    return _text(decision.get("reason"))


def _dose(decision: dict[str, Any]) -> str:
    dose = decision.get("dose")
    return amount_display(dose["value"], dose["unit"]) if isinstance(dose, dict) else "—"


def render_report(report: dict[str, Any], console: Console | None = None) -> None:
    """Print the report: one table of decisions, then the resources set aside."""
    console = console or Console()
    console.print(f"[bold]{_text(report['subject'])}[/bold]  day 0 {_text(report['start'])}  as of "
                  f"{_text(report['asOf'])}  (study day {_text(report['studyDay'])})")
    table = Table(show_lines=False, expand=False)
    table.add_column("decision")
    table.add_column("value")
    table.add_column("detail")
    table.add_column("why", overflow="fold")
    for key, label in (("eligibility", "eligibility"), ("relapseTiming", "relapse timing"), ("riskGroup", "risk group"),
                       ("cytogeneticGroup", "cytogenetics"), ("cnsStatus", "CNS status")):
        d = report.get(key) or {}
        detail = f"{d['monthsFromDiagnosis']} months" if d.get("monthsFromDiagnosis") is not None else ""
        table.add_row(label, _word(d.get("value")), detail, _why(d))
    bsa = report.get("bsa") or {}
    table.add_row("BSA", f"{bsa['value']:.2f} m2" if bsa.get("value") is not None else _word(None),
                  _text(bsa.get("formula")), _why(bsa))
    for day, d in (report.get("marrow") or {}).items():
        blasts = f"{_text(d['blastPercent'])} % blasts" if d.get("blastPercent") is not None else ""
        table.add_row(f"marrow {day}", _word(d.get("value")), blasts, _why(d))
    for day, d in (report.get("idarubicin") or {}).items():
        table.add_row(f"idarubicin {day}", _word(d.get("value")), _dose(d), _why(d))
    for key, label in (("cr2", "CR2"), ("response", "response")):
        d = report.get(key) or {}
        table.add_row(label, _word(d.get("value")), "", _why(d))
    for name, d in (report.get("toxicity") or {}).items():
        grade = d.get("grade") if isinstance(d, dict) else None
        table.add_row(_text(name), "—" if grade is None else f"grade {_text(grade)}", "CTCAE v4.0", "")
    console.print(table)
    ignored = report.get("ignored") or []
    if ignored:
        console.print(f"[yellow]{len(ignored)} resource(s) ignored:[/yellow]")
        for item in ignored:
            console.print(f"  {_text(item['resource'])}: {_text(item['why'])}")


def render_today(course: Course, console: Console | None = None) -> None:
    """Print what the plan schedules on the as-of day: each activity with its state, ordered dose and why."""
    console = console or Console()
    scheduled = course.today()
    title = f"Scheduled today: study day {course.study_day} ({course.as_of.isoformat()})"
    if not scheduled:
        console.print(f"[bold]{title}[/bold]: nothing of the plan")
        return
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    table.add_column("activity")
    table.add_column("state")
    table.add_column("ordered dose", no_wrap=True)
    table.add_column("why / result", overflow="fold")
    for row, cell in scheduled:
        table.add_row(_text(row.title), _word(cell.state), _text(cell.dose or "—"), _text(cell.result or cell.reason or ""))
    console.print(table)


def render_trace(trace: dict[str, Any], console: Console | None = None) -> None:
    """Print the decision trace: each decision's define, inputs (received → converted) and thresholds."""
    console = console or Console()
    console.print("[bold]Decision trace[/bold]")
    for d in trace["decisions"]:
        console.print(f"[bold]{_text(d['decision'])}[/bold] = {_word(d.get('value'))}   (define \"{_text(d['define'])}\")")
        for item in d["inputs"]:
            seen = " → ".join(str(x) for x in (item.get("received"), item.get("converted")) if x)
            console.print(f"    {_text(item['resource'])}  {_text(item.get('date'))}  {_text(seen)}")
        for limit in d["thresholds"]:
            console.print(f"    [dim]rule: {_text(limit)}[/dim]")
    for item in trace["ignored"]:
        console.print(f"[yellow]ignored[/yellow] {_text(item['resource'])}: {_text(item['why'])} ({_text(item['kind'])})")
