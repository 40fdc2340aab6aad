"""`call0603 apply` and `call0603 assess`: the evaluator's command line (a contract scripts and test kits call).

Exit 0 on success, 2 when the input is refused (one line on stderr naming the file and the reason, nothing on
stdout), 1 when the package itself cannot be loaded or applied.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from .apply import ApplyError
from .context import PackageError

REFUSED = 2
FAILED = 1

INPUT_HELP = "A FHIR Bundle (collection, transaction, batch, searchset) or a folder of Bulk Data NDJSON files."
SUBJECT_HELP = "The Patient id (needed when INPUT holds more than one Patient)."
START_HELP = "Day 0 of reinduction, YYYY-MM-DD (default: the start of the patient's CarePlan for this package)."
AS_OF_HELP = "The evaluation date, YYYY-MM-DD: data after it is not seen (default: today)."
FHIR_SERVER_HELP = "Read the patient (--subject) from this FHIR R4 server instead of INPUT."
TOKEN_HELP = "Bearer token sent to --fhir-server."
STRICT_HELP = "Refuse the input when any resource is unusable (bad unit, no value, bad date) instead of ignoring it."


def _dates(source: Path, start: str | None, as_of: str | None) -> tuple[_dt.date | None, _dt.date]:
    """The --start and --as-of dates; a bad one refuses INPUT (the refusal names the file, as for any refusal)."""
    from .inputs import parse_date

    return (parse_date(start, "--start", source) if start is not None else None,
            parse_date(as_of, "--as-of", source) if as_of is not None else _dt.date.today())


def _patient(input: Path | None, subject: str | None, fhir_server: str | None, token: str | None, context: Any) -> Any:
    """The patient from INPUT, or from --fhir-server by --subject (exactly one of the two sources)."""
    from .inputs import load_patient

    if (input is None) == (fhir_server is None):
        raise typer.BadParameter("give INPUT or --fhir-server (with --subject), one of the two")
    if input is not None:
        return load_patient(input, subject)
    if not subject:
        raise typer.BadParameter("--fhir-server needs --subject")
    from ..service.datasource import patient_from_server
    from ..service.fhirclient import FhirClient
    from ..service.package import main_library, templates_of

    return patient_from_server(FhirClient(fhir_server, token=token), templates_of(main_library(context)), subject)


def _run(work: Callable[[], Any]) -> Any:
    """Run `work`, turning a refusal or a package problem into one line on stderr and the contract's exit code."""
    from .inputs import InputRefused

    try:
        return work()
    except InputRefused as refused:
        typer.echo(f"call0603: {refused.source}: {refused.reason}", err=True)
        raise typer.Exit(REFUSED) from None
    except (PackageError, ApplyError) as problem:
        typer.echo(f"call0603: {problem}", err=True)
        raise typer.Exit(FAILED) from None


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def apply_command(
    input: Optional[Path] = typer.Argument(None, help=INPUT_HELP, show_default=False),
    subject: Optional[str] = typer.Option(None, "--subject", help=SUBJECT_HELP),
    start: Optional[str] = typer.Option(None, "--start", help=START_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the CarePlan here instead of stdout."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
    fhir_server: Optional[str] = typer.Option(None, "--fhir-server", help=FHIR_SERVER_HELP),
    token: Optional[str] = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """PlanDefinition $apply for one patient: an R4 CarePlan with its RequestGroup and requests."""

    def work() -> dict[str, Any]:
        from .careplan import careplan_for
        from .context import load_context

        day0, when = _dates(input or Path(str(fhir_server)), start, as_of)
        context = load_context()
        patient = _patient(input, subject, fhir_server, token, context)
        return careplan_for(patient, start=day0, as_of=when, context=context, strict=strict)

    careplan = _run(work)
    if out is None:
        sys.stdout.write(_dump(careplan))
    else:
        out.write_text(_dump(careplan), encoding="utf-8")


def assess_command(
    input: Optional[Path] = typer.Argument(None, help=INPUT_HELP, show_default=False),
    subject: Optional[str] = typer.Option(None, "--subject", help=SUBJECT_HELP),
    start: Optional[str] = typer.Option(None, "--start", help=START_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the assessment report as JSON (assessment-report.md)."),
    explain: bool = typer.Option(False, "--explain", help="Add the decision trace: defines, inputs, thresholds, ignored."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
    fhir_server: Optional[str] = typer.Option(None, "--fhir-server", help=FHIR_SERVER_HELP),
    token: Optional[str] = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """The assessment report for one patient: every decision with its reason and evidence."""

    def work() -> tuple[dict[str, Any], dict[str, Any] | None, Any]:
        from .assess import evaluate_patient, refuse_errors, report_from
        from .careplan import careplan_of, plan_expressions
        from .context import load_context
        from .course import course_from
        from .explain import trace

        day0, when = _dates(input or Path(str(fhir_server)), start, as_of)
        context = load_context()
        patient = _patient(input, subject, fhir_server, token, context)
        evaluation = evaluate_patient(patient, start=day0, as_of=when, context=context,
                                      expressions=None if as_json else plan_expressions(context))
        if strict:
            refuse_errors(evaluation)
        report = report_from(evaluation, context)
        course = None if as_json else course_from(careplan_of(evaluation, context), context.plan, report,
                                                  context.guideline, context.report_defines, context.activities)
        return report, (trace(evaluation, context) if explain else None), course

    report, decision_trace, course = _run(work)
    if as_json:
        sys.stdout.write(_dump({**report, "trace": decision_trace} if decision_trace is not None else report))
        return
    from .render import render_report, render_today, render_trace

    render_report(report)
    render_today(course)
    if decision_trace is not None:
        render_trace(decision_trace)


def register(app: typer.Typer) -> None:
    """Add `apply` and `assess` to the call0603 command line."""
    app.command("apply")(apply_command)
    app.command("assess")(assess_command)
