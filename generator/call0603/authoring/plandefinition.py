"""The PlanDefinition: the 28-day reinduction as timed, conditional actions (CPG computable + CRMI shareable).

Timing: the top-level action `reinduction` starts on study day 0. Every action that yields a request carries a
`relatedAction` to it with relationship `after-start` and `offsetDuration` = its study day in UCUM days, so a
receiving system computes each date as start + offset; prednisolone adds a once-daily `timingTiming` for 28 days.
Decisions are applicability conditions in `text/cql-identifier` naming defines of the package Library (with
`reference` set); dose actions carry a dynamicValue that puts the ordered dose (dose x BSA) in the request.
"""

from __future__ import annotations

from typing import Any

from ..guideline.model import Agent, Guideline, IdarubicinDay, PackageInfo
from . import text
from .activitydefinition import DECISION_NEEDED, MARROW_EXAM, ORDERED_DOSE_PATH, activity_canonical, daily_timing, hold_id
from .metadata import cql_expression, days, library_reference, shareable

COMPUTABLE_PLAN = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computableplandefinition"
CRMI_SHAREABLE_PLAN = "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareableplandefinition"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
ROOT_ACTION = "reinduction"
#: Where the reason goes in the message an undecided item sends.
MESSAGE_PATH = "payload[0].content"


def on_day(day: int) -> list[dict[str, Any]]:
    """The relatedAction that places an action on study day `day` (after the start of the root action)."""
    return [{"actionId": ROOT_ACTION, "relationship": "after-start", "offsetDuration": days(day)}]


def _applicability(package: PackageInfo, define: str) -> list[dict[str, Any]]:
    return [{"kind": "applicability", "expression": cql_expression(package, define)}]


def _ordered_dose(package: PackageInfo, define: str) -> list[dict[str, Any]]:
    return [{"path": ORDERED_DOSE_PATH, "expression": cql_expression(package, define)}]


def _group(action_id: str, title: str, children: list[dict[str, Any]], *, selection: str = "all", **more: Any) -> dict[str, Any]:
    return {"id": action_id, "title": title, **more, "groupingBehavior": "logical-group", "selectionBehavior": selection, "action": children}


def _dose_action(package: PackageInfo, agent: Agent, day: int, define: str) -> dict[str, Any]:
    return {
        "id": f"{agent.id}-day-{day}",
        "title": f"{agent.title}, study day {day}",
        "description": f"{text.dose_line(agent)} x BSA on study day {day}.",
        "relatedAction": on_day(day),
        "definitionCanonical": activity_canonical(package, agent.id),
        "dynamicValue": _ordered_dose(package, define),
    }


def _dynamic(package: PackageInfo, path: str, define: str) -> dict[str, Any]:
    return {"path": path, "expression": cql_expression(package, define)}


def _decided_dose(guideline: Guideline, agent: Agent, entry: IdarubicinDay) -> dict[str, Any]:
    """Give, withhold, or not decided on one day: three actions with mutually exclusive conditions.

    The request to give or to hold points at what it rests on (`supportingInformation`); the hold carries the
    day's reason (`reasonCode.text`); an undecided day (indeterminate, or pending until the day) is an action of
    its own whose description is the reason, so it is never silently missing from the plan.
    """
    package = guideline.package
    rationale = text.day_rule(guideline, entry)
    day = entry.day
    supporting = _dynamic(package, "supportingInformation", entry.supporting_define)
    give = _dose_action(package, agent, day, entry.dose_define)
    give.update({"id": f"{agent.id}-day-{day}-give", "title": f"Give {agent.title.lower()}, study day {day}", "condition": _applicability(package, entry.give_define)})
    give["dynamicValue"] = [*give["dynamicValue"], supporting]
    hold = {
        "id": f"{agent.id}-day-{day}-withhold",
        "title": f"Withhold {agent.title.lower()}, study day {day}",
        "reason": [{"text": rationale}],
        "condition": _applicability(package, entry.withhold_define),
        "relatedAction": on_day(day),
        "definitionCanonical": activity_canonical(package, hold_id(agent.id)),
        "dynamicValue": [_dynamic(package, "reasonCode[0].text", entry.reason_define), supporting],
    }
    undecided = {
        "id": f"{agent.id}-day-{day}-undecided",
        "title": f"{agent.title}, study day {day}: not decided",
        "textEquivalent": f"{agent.title} on study day {day} is not decided yet (pending or indeterminate): see the reason.",
        "condition": _applicability(package, entry.undecided_define),
        "relatedAction": on_day(day),
        "definitionCanonical": activity_canonical(package, DECISION_NEEDED),
        "dynamicValue": [_dynamic(package, MESSAGE_PATH, entry.reason_define)],
    }
    return _group(
        f"{agent.id}-day-{day}", f"{agent.title}, study day {day}", [give, hold, undecided], selection="at-most-one",
        description=f"{rationale} The Library define \"{entry.decision_define}\" gives the decision with its reason.",
    )


def _agent_action(guideline: Guideline, agent: Agent) -> dict[str, Any]:
    package = guideline.package
    source = f"{text.dose_line(agent)} x BSA, {text.study_days(agent.days, agent.daily is not None)}. {text.source(agent.cite)}"
    if agent.daily is not None:
        return {
            "id": agent.id,
            "title": f"{agent.title}, {text.study_days(agent.days, True)}",
            "description": source,
            "relatedAction": on_day(agent.daily.first),
            "timingTiming": daily_timing(agent),
            "definitionCanonical": activity_canonical(package, agent.id),
            "dynamicValue": _ordered_dose(package, agent.ordered_dose_define),
        }
    rule = guideline.regimen.withholding
    if rule.agent == agent.id:
        children = [_decided_dose(guideline, agent, rule.day(d)) for d in agent.days]
    else:
        children = [_dose_action(package, agent, d, agent.ordered_dose_define) for d in agent.days]
    return _group(agent.id, f"{agent.title}, {text.study_days(agent.days)}", children, description=source)


def _intrathecal_action(guideline: Guideline) -> dict[str, Any]:
    package, it = guideline.package, guideline.regimen.intrathecal
    children = [
        _group(
            r.id, f"{r.title} (CNS {r.cns_status})",
            [
                {
                    "id": f"{r.id}-day-{day}",
                    "title": f"{r.title}, study day {day}",
                    "relatedAction": on_day(day),
                    "definitionCanonical": activity_canonical(package, r.id),
                }
                for day in r.days
            ],
            description=f"{r.title} on {text.study_days(r.days)} when CNS status is {r.cns_status}; dose {it.dose_note}. {text.source(r.cite)}",
            condition=_applicability(package, r.condition_define),
        )
        for r in it.regimens
    ]
    children.append({
        "id": "intrathecal-cns-indeterminate",
        "title": "Intrathecal therapy: CNS status indeterminate",
        "textEquivalent": (
            "CNS status is indeterminate (no usable CSF white cell count with cytology, and no CNS relapse recorded): "
            "the intrathecal schedule depends on it, so CNS status must be established first."
        ),
        "condition": _applicability(package, it.undetermined_define),
        "relatedAction": on_day(0),
        "definitionCanonical": activity_canonical(package, DECISION_NEEDED),
        "dynamicValue": [_dynamic(package, MESSAGE_PATH, it.reason_define)],
    })
    return _group("intrathecal", "Intrathecal therapy by CNS status", children, selection="exactly-one")


def _marrow_action(guideline: Guideline) -> dict[str, Any]:
    package = guideline.package
    children = []
    for exam in guideline.regimen.marrow_exams:
        action: dict[str, Any] = {
            "id": exam.id,
            "title": f"Bone marrow examination, study day {exam.day}",
            "description": f"{text.marrow_condition(guideline, exam)} {text.source(exam.cite)}",
            "relatedAction": on_day(exam.day),
            "definitionCanonical": activity_canonical(package, MARROW_EXAM),
        }
        if exam.condition_define is not None:
            action["condition"] = _applicability(package, exam.condition_define)
        children.append(action)
    return _group("marrow-exams", "Bone marrow examinations", children)


def build_plan_definition(guideline: Guideline) -> dict[str, Any]:
    """The PlanDefinition of the whole reinduction: every agent, the intrathecal regimen and the marrow exams."""
    package = guideline.package
    resource = shareable(
        package, "PlanDefinition", package.plan_definition_id, name=package.plan_definition_name,
        title=package.plan_definition_title, description=package.description, profiles=(COMPUTABLE_PLAN, CRMI_SHAREABLE_PLAN),
    )
    children = [_agent_action(guideline, agent) for agent in guideline.regimen.agents]
    children += [_intrathecal_action(guideline), _marrow_action(guideline)]
    last = max(max(a.days) for a in guideline.regimen.agents)
    last = max([last, *(max(r.days) for r in guideline.regimen.intrathecal.regimens), *(m.day for m in guideline.regimen.marrow_exams)])
    resource.update({
        "type": {"coding": [{"system": PLAN_TYPE, "code": "clinical-protocol", "display": "Clinical Protocol"}]},
        "library": [library_reference(package)],
        "action": [_group(
            ROOT_ACTION, f"{package.plan_definition_title}, study days 0-{last}", children,
            description="Study day 0 is the first day of reinduction; each action's date is the start date plus its offset in days.",
        )],
    })
    return resource
