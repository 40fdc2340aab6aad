"""`$apply` of the package's PlanDefinition for one patient: the CarePlan, from the same evaluation as the report."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .apply import apply_plan, expressions_of
from .assess import DAY_0, evaluate_patient, refuse_errors
from .context import EvaluationContext
from .expressions import ExpressionEvaluator, cql_identifiers
from .inputs import PatientInput


def careplan_for(
    patient: PatientInput,
    *,
    start: _dt.date | None,
    as_of: _dt.date,
    context: EvaluationContext,
    strict: bool = False,
) -> dict[str, Any]:
    """The R4 CarePlan (with its RequestGroup and requests contained) for one patient as of a date."""
    names = cql_identifiers(expressions_of(context.plan, context.activities))
    evaluation = evaluate_patient(patient, start=start, as_of=as_of, context=context, expressions=names)
    if strict:
        refuse_errors(evaluation)
    evaluate = ExpressionEvaluator(evaluation.results, context.library_canonicals, patient.patient)
    day0 = _dt.date.fromisoformat(str(evaluation.results[DAY_0]))
    return apply_plan(context.plan, context.activities, evaluate, subject=patient.subject, start=day0)
