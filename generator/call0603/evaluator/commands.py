"""`call0603 apply` and `call0603 assess`: the evaluator's command line (a contract scripts and test kits call).

Exit 0 on success, 2 when the input is refused (one line on stderr naming the file and the reason, nothing on
stdout), 1 when the package itself cannot be loaded or applied.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import orjson
import typer

from .apply import ApplyError
from .launch import CONCEPT_INPUTS
from ..artifacts import PackageError
from ..edge import one_line

REFUSED = 2
FAILED = 1

INPUT_HELP = "A FHIR Bundle (collection, transaction, batch, searchset) or a folder of Bulk Data NDJSON files (docs/input-contract.md)."
SUBJECT_HELP = "The Patient id (needed when INPUT holds more than one Patient)."
START_HELP = "Day 0 of reinduction, YYYY-MM-DD (default: the start of the patient's CarePlan for this package)."
AS_OF_HELP = "The evaluation date, YYYY-MM-DD: data after it is not seen (default: today)."
FHIR_SERVER_HELP = "Read the patient (--subject) from this FHIR R4 server instead of INPUT."
TOKEN_HELP = "Bearer token sent to --fhir-server."
PLAN_HELP = ("Apply this PlanDefinition or ActivityDefinition (a canonical in --package, or a file) instead of the "
             "package's own plan.")
PACKAGE_HELP = ("The built package to evaluate: a FHIR NPM package (.tgz), its unpacked folder, or a folder written by "
                "`call0603 build --out DIR` (default: the package installed with call0603). With --plan: the knowledge "
                "content holding the plan, a folder, an NPM package .tgz or a Bundle (repeatable).")
PARAMETERS_HELP = "CQL parameters for --plan, as a FHIR Parameters resource (JSON); each is set in every Library declaring it."
DATA_HELP = ("With --plan: a Bundle of more data for the evaluation, used before INPUT's (a resource of the same "
             "Type/id replaces INPUT's; another patient's resources are not used).")
CONCEPT_HELP = "With --plan: the {} (R4 $apply), SYSTEM|CODE or a CodeableConcept in JSON; FHIRPath reads it as %{}."
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


def _run(work: Callable[[], Any], source: Path | str) -> Any:
    """Run `work` on INPUT `source`, turning a refusal, a package problem or a CQL run-time error into one line on
    stderr and the contract's exit code (anything else is left to the command line's edge: one line, exit 1)."""
    from ..cql.runtime.errors import CqlRuntimeError
    from .inputs import InputRefused

    try:
        return work()
    except InputRefused as refused:
        typer.echo(f"call0603: {refused.source}: {one_line(refused.reason)}", err=True)
        raise typer.Exit(REFUSED) from None
    except (PackageError, ApplyError) as problem:
        typer.echo(f"call0603: {one_line(str(problem))}", err=True)
        raise typer.Exit(FAILED) from None
    except CqlRuntimeError as error:
        typer.echo(f"call0603: {source}: the evaluation stopped on a CQL run-time error: {one_line(str(error))}", err=True)
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
    plan: Optional[str] = typer.Option(None, "--plan", help=PLAN_HELP),
    package: list[Path] = typer.Option([], "--package", help=PACKAGE_HELP),
    encounter: Optional[str] = typer.Option(None, "--encounter", help="The Encounter reference (Encounter/id)."),
    practitioner: Optional[str] = typer.Option(None, "--practitioner", help="The Practitioner reference."),
    organization: Optional[str] = typer.Option(None, "--organization", help="The Organization reference."),
    parameters: Optional[Path] = typer.Option(None, "--parameters", help=PARAMETERS_HELP),
    data: Optional[Path] = typer.Option(None, "--data", help=DATA_HELP),
    user_type: Optional[str] = typer.Option(None, "--user-type", help=CONCEPT_HELP.format("type of user", "userType")),
    user_language: Optional[str] = typer.Option(None, "--user-language", help=CONCEPT_HELP.format("user's language", "userLanguage")),
    user_task_context: Optional[str] = typer.Option(None, "--user-task-context",
                                                    help=CONCEPT_HELP.format("task the user is performing", "userTaskContext")),
    setting: Optional[str] = typer.Option(None, "--setting", help=CONCEPT_HELP.format("setting (inpatient, outpatient)", "setting")),
    setting_context: Optional[str] = typer.Option(None, "--setting-context", help=CONCEPT_HELP.format("setting's detail", "settingContext")),
) -> None:
    """PlanDefinition $apply for one patient: an R4 CarePlan with its RequestGroup and requests."""
    source = input or str(fhir_server)
    if out is not None:
        from .outpath import check_output_file

        _run(lambda: check_output_file(out, [input] if input is not None else []), source)
    concepts = dict(zip((n for n, _ in CONCEPT_INPUTS),
                        (user_type, user_language, user_task_context, setting, setting_context)))
    if plan is not None:
        if input is None:
            raise typer.BadParameter("--plan needs INPUT")
        context = {"encounter": encounter, "practitioner": practitioner, "organization": organization}
        inputs = _LaunchInputs(context, {k: v for k, v in concepts.items() if v is not None}, parameters, data)
        _write(_run(lambda: _apply_content(input, plan, package, subject, as_of, inputs), input), out, source)
        return
    if data is not None or any(v is not None for v in concepts.values()):
        raise typer.BadParameter("--data and the user and setting options go with --plan")

    if len(package) > 1:
        raise typer.BadParameter("the package's own plan takes one --package (several only with --plan)")

    def work() -> dict[str, Any]:
        from .careplan import careplan_for
        from .context import load_context

        day0, when = _dates(input or Path(str(fhir_server)), start, as_of)
        context = load_context(package[0] if package else None)
        patient = _patient(input, subject, fhir_server, token, context)
        return careplan_for(patient, start=day0, as_of=when, context=context, strict=strict)

    _write(_run(work, source), out, source)


def _write(document: dict[str, Any], out: Path | None, source: Path | str) -> None:
    """The CarePlan on stdout, or written whole to `out` (a temporary file beside it, renamed)."""
    if out is None:
        sys.stdout.write(_dump(document))
    else:
        from .outpath import write_file

        _run(lambda: write_file(out, _dump(document)), source)


@dataclass(frozen=True)
class _LaunchInputs:
    """The general apply's inputs beside the plan and the patient, as given on the command line."""

    context: dict[str, str | None]
    concepts: dict[str, str]
    parameters: Path | None
    data: Path | None


def _apply_content(input: Path, plan: str, package: list[Path], subject: str | None, as_of: str | None,
                   inputs: _LaunchInputs) -> dict[str, Any]:
    """`$apply` of any PlanDefinition (or ActivityDefinition) of the content in `--package`, or of a plan file."""
    from ..cql.datatypes.datetime import DateTime
    from .assess import request_time
    from .content import Content, ContentError, read_resources
    from .inputs import InputRefused
    from .launch import LaunchError, bundle_resources, codeable_concept, subject_data
    from .parameters import ParameterError, cql_parameters
    from .r4apply import ApplyRequest, apply_activity_r4, apply_r4

    _, when = _dates(input, None, as_of)
    try:
        plan_file = Path(plan)
        extra = read_resources(plan_file) if plan_file.is_file() else []
        content = Content.read(package)
        content = Content.of([*content.resources, *extra]) if extra else content
    except ContentError as problem:
        raise PackageError(str(problem)) from None
    definition = next((r for r in extra if r.get("resourceType") in ("PlanDefinition", "ActivityDefinition")), None)
    definition = definition or content.resolve(plan)
    if definition is None:
        raise PackageError(f"{plan}: no PlanDefinition or ActivityDefinition of that canonical in the content")
    patient, resources = subject_data(input, subject)
    now: DateTime = request_time(when)
    given: dict[str, Any] = {}
    if inputs.parameters is not None:
        try:
            given = cql_parameters(orjson.loads(inputs.parameters.read_bytes()))
        except (OSError, orjson.JSONDecodeError, ParameterError) as problem:
            raise InputRefused(inputs.parameters, str(problem)) from None
    concepts: dict[str, dict[str, Any]] = {}
    for name, option in CONCEPT_INPUTS:
        if name in inputs.concepts:
            try:
                concepts[name] = codeable_concept(inputs.concepts[name])
            except LaunchError as problem:
                raise InputRefused(option, str(problem)) from None
    additional: tuple[dict[str, Any], ...] = ()
    if inputs.data is not None:
        try:
            additional = bundle_resources(orjson.loads(inputs.data.read_bytes()))
        except (OSError, orjson.JSONDecodeError, LaunchError) as problem:
            raise InputRefused(inputs.data, str(problem)) from None
    request = ApplyRequest(patient.subject, resources, now, parameters=given, concepts=concepts,
                           additional=additional, **inputs.context)
    if definition["resourceType"] == "ActivityDefinition":
        return apply_activity_r4(definition, content, request)
    return apply_r4(definition, content, request)


def assess_command(
    input: Optional[Path] = typer.Argument(None, help=INPUT_HELP, show_default=False),
    subject: Optional[str] = typer.Option(None, "--subject", help=SUBJECT_HELP),
    start: Optional[str] = typer.Option(None, "--start", help=START_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the assessment report as JSON (docs/report-format.md)."),
    explain: bool = typer.Option(False, "--explain", help="Add the decision trace: defines, inputs, thresholds, ignored."),
    strict: bool = typer.Option(False, "--strict", help=STRICT_HELP),
    fhir_server: Optional[str] = typer.Option(None, "--fhir-server", help=FHIR_SERVER_HELP),
    token: Optional[str] = typer.Option(None, "--token", help=TOKEN_HELP),
    package: Optional[Path] = typer.Option(None, "--package", help=PACKAGE_HELP),
) -> None:
    """The assessment report for one patient: every decision with its reason and evidence."""

    def work() -> tuple[dict[str, Any], dict[str, Any] | None, Any]:
        from .assess import evaluate_patient, refuse_errors, report_expressions, report_from
        from .careplan import careplan_of, plan_expressions
        from .context import load_context
        from .course import course_from

        day0, when = _dates(input or Path(str(fhir_server)), start, as_of)
        context = load_context(package)
        patient = _patient(input, subject, fhir_server, token, context)
        evaluation = evaluate_patient(patient, start=day0, as_of=when, context=context,
                                      expressions=None if as_json else [*report_expressions(context), *plan_expressions(context)])
        if strict:
            refuse_errors(evaluation)
        report = report_from(evaluation, context)
        course = None if as_json else course_from(careplan_of(evaluation, context), context.plan, report,
                                                  context.guideline, context.report_defines, context.activities)
        if not explain:
            return report, None, course
        from .explain import trace  # the build's unit names come with it: loaded only when a trace is asked for

        return report, trace(evaluation, context), course

    report, decision_trace, course = _run(work, input or str(fhir_server))
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
