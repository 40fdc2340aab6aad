"""`$apply` of the package's PlanDefinition for one patient: the CarePlan, from the same evaluation as the report."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .apply import apply_plan, expressions_of
from .assess import DAY_0, Evaluation, evaluate_patient, refuse_errors
from .context import EvaluationContext
from .expressions import ExpressionEvaluator, cql_identifiers
from .inputs import PatientInput


def plan_expressions(context: EvaluationContext) -> list[str]:
    """The defines `$apply` of the package's plan reads."""
    return cql_identifiers(expressions_of(context.plan, context.activities))


def careplan_of(evaluation: Evaluation, context: EvaluationContext) -> dict[str, Any]:
    """The CarePlan of an evaluation that included `plan_expressions`."""
    evaluate = ExpressionEvaluator(evaluation.results, context.library_canonicals, evaluation.patient.patient)
    day0 = _dt.date.fromisoformat(str(evaluation.results[DAY_0]))
    return apply_plan(context.plan, context.activities, evaluate, subject=evaluation.patient.subject, start=day0)


def careplan_for(
    patient: PatientInput,
    *,
    start: _dt.date | None,
    as_of: _dt.date,
    context: EvaluationContext,
    strict: bool = False,
) -> dict[str, Any]:
    """The R4 CarePlan (with its RequestGroup and requests contained) for one patient as of a date."""
    evaluation = evaluate_patient(patient, start=start, as_of=as_of, context=context, expressions=plan_expressions(context))
    if strict:
        refuse_errors(evaluation)
    return careplan_of(evaluation, context)
