"""What the sheet shows, gathered from one evaluation: the report, the CarePlan's calendar and the results plotted.

Every number is the Library's: the report and the CarePlan come from the same evaluated defines, the counts are the
usable results the CQL keeps (`ANC Results`, `Platelet Results`, `Marrow Blast Results`: readings with no problem)
in the unit its rules compare in, dated and converted by the Library's own functions, and the thresholds are those
of guideline/.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from ..authoring.cql import unit_function_name
from ..cql import Tuple
from ..evaluator.assess import Evaluation, evaluate_patient, report_expressions, report_from
from ..evaluator.careplan import careplan_of, plan_expressions
from ..evaluator.context import EvaluationContext
from ..evaluator.course import Course, course_from
from ..evaluator.inputs import PatientInput

#: Defines the sheet reads besides the report's and the plan's: where day 0 comes from, the BSA's height and weight
#: (and the readings they come from, for their dates).
DAY_0_SOURCE = "Day 0 Source"
BSA_HEIGHT, BSA_WEIGHT = "BSA Height", "BSA Weight"
BSA_HEIGHT_RESULT, BSA_WEIGHT_RESULT = "BSA Heights", "BSA Weights"
#: The results plotted: (define, the unit the Library converts them to).
SERIES = {"anc": ("ANC Results", "/uL"), "platelets": ("Platelet Results", "/uL"), "marrow": ("Marrow Blast Results", "%")}
SHEET_DEFINES = (DAY_0_SOURCE, BSA_HEIGHT, BSA_WEIGHT, BSA_HEIGHT_RESULT, BSA_WEIGHT_RESULT,
                 *(define for define, _ in SERIES.values()))


@dataclass(frozen=True)
class Point:
    """One result on the time axis: its study day, date, converted value and resource."""

    day: int
    date: _dt.date
    value: Decimal
    resource: str


@dataclass(frozen=True)
class Measure:
    """A height or weight the BSA used, with its date."""

    value: Decimal
    unit: str
    date: _dt.date | None


@dataclass(frozen=True)
class Sheet:
    """Everything one patient's sheet shows."""

    patient: Mapping[str, Any]
    report: Mapping[str, Any]
    careplan: Mapping[str, Any]
    course: Course
    day0_source: str | None
    height: Measure | None
    weight: Measure | None
    series: Mapping[str, tuple[Point, ...]]
    context: EvaluationContext


def _call(context: EvaluationContext, evaluation: Evaluation, function: str, resource: Any) -> Any:
    return context.engine.call(context.guideline.package.common_library_name, function, resource,
                               data=evaluation.data, terminology=context.terminology)


def _date(context: EvaluationContext, evaluation: Evaluation, resource: Any) -> _dt.date | None:
    found = _call(context, evaluation, "Result Date", resource)
    return None if found is None else _dt.date.fromisoformat(str(found)[:10])


def _observation(item: Any) -> Any:
    """The Observation of a reading (`Tuple { observation, why }`), or the item itself."""
    return item["observation"] if isinstance(item, Tuple) else item


def _series(context: EvaluationContext, evaluation: Evaluation, define: str, unit: str, day0: _dt.date) -> tuple[Point, ...]:
    points = []
    for item in evaluation.results[define] or []:
        resource = _observation(item)
        date = _date(context, evaluation, resource)
        value = _call(context, evaluation, unit_function_name(unit), resource)
        if date is None or value is None:
            continue
        points.append(Point((date - day0).days, date, value.value, f"Observation/{resource['id']}"))
    return tuple(sorted(points, key=lambda p: (p.date, p.resource)))


def _measure(context: EvaluationContext, evaluation: Evaluation, define: str, result: str) -> Measure | None:
    value = evaluation.results[define]
    if value is None:
        return None
    readings = evaluation.results[result] or []
    resource = _observation(readings[0]) if readings else None
    return Measure(value.value, value.unit, _date(context, evaluation, resource) if resource is not None else None)


def sheet_for(patient: PatientInput, *, start: _dt.date | None, as_of: _dt.date, context: EvaluationContext) -> Sheet:
    """One patient's sheet: a single evaluation gives the report, the CarePlan, the calendar and the plotted results."""
    evaluation = evaluate_patient(patient, start=start, as_of=as_of, context=context,
                                  expressions=[*report_expressions(context), *plan_expressions(context), *SHEET_DEFINES])
    report = report_from(evaluation, context)
    careplan = careplan_of(evaluation, context)
    course = course_from(careplan, context.plan, report, context.guideline, context.report_defines, context.activities)
    series = {name: _series(context, evaluation, define, unit, course.day0) for name, (define, unit) in SERIES.items()}
    return Sheet(
        patient=patient.patient, report=report, careplan=careplan, course=course,
        day0_source=evaluation.results[DAY_0_SOURCE],
        height=_measure(context, evaluation, BSA_HEIGHT, BSA_HEIGHT_RESULT),
        weight=_measure(context, evaluation, BSA_WEIGHT, BSA_WEIGHT_RESULT),
        series=series, context=context,
    )
