"""The assessment report (`docs/report-format.md`) for one patient: every value is a CQL define's, as evaluated.

Python only evaluates and arranges: each report field is one define of the package's Library (the map is
`guideline.report.report_defines`), its Tuple becomes the field's object, and the BSA is rounded to 2 decimals for display
(doses are the CQL's ordered doses, already rounded to the dispensable increment) — no clinical rule is decided here.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Mapping

from .. import __version__
from ..cql import PatientData, Tuple
from ..cql.datatypes.datetime import Date, DateTime
from .context import EvaluationContext, load_context
from .fhirvalue import to_fhir
from .inputs import InputRefused, PatientInput
from .reading import prepare

__all__ = ["Evaluation", "assess_patient", "evaluate_patient", "load_context", "report_from"]

#: The define that lists resources set aside, with why (and whether by rule or for an error in the data).
IGNORED = "Ignored"
#: The define that gives day 0 (from the start parameter, else the package's CarePlan).
DAY_0 = "Day 0"
#: Descriptive fields added after the contract's: the paper's Table 1 characteristics and follow-up events.
EXTRAS = {"characteristics": "Characteristics", "followUp": "Follow Up"}

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Evaluation:
    """One patient's evaluated defines, with what it was evaluated on."""

    patient: PatientInput
    start: _dt.date | None
    as_of: _dt.date
    results: Mapping[str, Any]
    data: PatientData


def request_time(as_of: _dt.date) -> DateTime:
    """The evaluation request's time: the last millisecond of the as-of date, at UTC (never the machine's clock or zone)."""
    parsed = DateTime.parse(f"{as_of.isoformat()}T23:59:59.999+00:00", None)
    assert parsed is not None
    return parsed


def parameters(start: _dt.date | None, as_of: _dt.date) -> dict[str, Any]:
    """The Library's parameters (`start` may be null: day 0 then comes from the CarePlan, or stays unknown)."""
    return {"start": Date.parse(start.isoformat()) if start else None, "asOf": Date.parse(as_of.isoformat())}


def report_expressions(context: EvaluationContext) -> list[str]:
    """The defines the report reads (its fields, then the descriptive extras)."""
    return [*context.report_defines.values(), *EXTRAS.values()]


def as_read(patient: PatientInput, context: EvaluationContext) -> PatientInput:
    """The patient's resources as the rules see them: after the reading layer (flags, versions, canonical order)."""
    resources, problems = prepare(patient.resources, str(patient.patient.get("id")), context.data_problem_url)
    return replace(patient, resources=tuple(resources), problems=tuple(problems))


def evaluate_patient(
    patient: PatientInput,
    *,
    start: _dt.date | None,
    as_of: _dt.date,
    context: EvaluationContext,
    expressions: list[str] | None = None,
) -> Evaluation:
    """Evaluate the report's defines (or day 0, the ignored list and `expressions` only) for one patient; refuse when
    day 0 is unknown."""
    patient = as_read(patient, context)
    data = PatientData.from_resources(patient.resources)
    named = report_expressions(context) if expressions is None else expressions
    wanted = [DAY_0, IGNORED, *named]
    results = context.engine.evaluate(
        context.library, data=data, parameters=parameters(start, as_of), now=request_time(as_of),
        terminology=context.terminology, expressions=list(dict.fromkeys(wanted)),
    )
    if results[DAY_0] is None:
        raise InputRefused(patient.source, "no start date: give --start, or an active CarePlan that instantiates "
                                           f"{context.plan['url']} with a period.start given to the day")
    return Evaluation(patient, start, as_of, results, data)


def _round(value: Any) -> Any:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP) if isinstance(value, Decimal) else value


def _decision(value: Any) -> Any:
    """A decision Tuple as the report's object (a dose as the CQL ordered it, value and UCUM unit code)."""
    out = to_fhir(value)
    if isinstance(value, Tuple) and "dose" in value:
        dose = value["dose"]
        out["dose"] = None if dose is None else {"value": float(dose.value), "unit": dose.unit}
    return out


def report_from(evaluation: Evaluation, context: EvaluationContext) -> dict[str, Any]:
    """The assessment report's JSON object, in the contract's field order, then `characteristics` and `followUp`."""
    r = evaluation.results
    report: dict[str, Any] = {"subject": evaluation.patient.subject}
    for field, define in context.report_defines.items():
        value = r[define]
        if field in ("start", "asOf"):
            report[field] = str(value) if value is not None else None
        elif field == "studyDay":
            report[field] = value
        elif field == "bsa":
            bsa = _decision(value)
            if value is not None and value.get("value") is not None:
                bsa["value"] = float(_round(value["value"]))
            report[field] = bsa
        elif "." in field:
            group, key = field.split(".", 1)
            report.setdefault(group, {})[key] = _decision(value)
        else:
            report[field] = _decision(value)
    report["ignored"] = ignored(evaluation)
    for field, define in EXTRAS.items():
        report[field] = to_fhir(r[define])
    return report


def set_aside(evaluation: Evaluation) -> list[dict[str, str]]:
    """Every resource set aside, with why and its kind: the CQL's `Ignored`, and what the rules could not see at all."""
    found = [{"resource": i["resource"], "why": i["why"], "kind": i["kind"]} for i in evaluation.results[IGNORED] or []]
    found += [{"resource": p.resource, "why": p.why, "kind": "error"} for p in evaluation.patient.problems]
    return sorted(found, key=lambda i: (i["resource"], i["why"]))


def ignored(evaluation: Evaluation) -> list[dict[str, str]]:
    """The report's `ignored`: every resource set aside, with why."""
    return [{"resource": i["resource"], "why": i["why"]} for i in set_aside(evaluation)]


def ignored_for_error(evaluation: Evaluation) -> list[dict[str, str]]:
    """The resources set aside for an error in the data (what `--strict` refuses)."""
    return [{"resource": i["resource"], "why": i["why"]} for i in set_aside(evaluation) if i["kind"] == "error"]


def refuse_errors(evaluation: Evaluation) -> None:
    """Under `--strict`, a resource set aside for an error in the data refuses the whole input."""
    errors = ignored_for_error(evaluation)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputRefused(evaluation.patient.source, f"--strict: {errors[0]['resource']}: {errors[0]['why']}{more}")


def assess_patient(
    patient: PatientInput,
    *,
    start: _dt.date | None,
    as_of: _dt.date,
    context: EvaluationContext,
    strict: bool = False,
) -> dict[str, Any]:
    """The assessment report for one patient (InputRefused when the data cannot be used, or under `strict`)."""
    evaluation = evaluate_patient(patient, start=start, as_of=as_of, context=context)
    if strict:
        refuse_errors(evaluation)
    return report_from(evaluation, context)


def provenance(context: EvaluationContext) -> dict[str, str]:
    """What produced a report: the package version and a hash of the compiled libraries' ELM."""
    return {"package": __version__, "libraryHash": context.library_hash}
