"""PlanDefinition `$apply` (FHIR R4, CPG): a CarePlan holding a RequestGroup of the applicable actions.

A general engine: it walks any PlanDefinition whose conditions and dynamic values are `text/cql-identifier` or
`text/fhirpath` expressions, instantiates ActivityDefinitions into requests, and knows nothing of CALL-0603.
Expressions are answered by the caller (`Evaluate`), so the decisions are exactly the shipped CQL's.

The output is built fresh and shares the unchanged parts of the definitions (codes, dosages, timings) with them
rather than copying them per patient; every change goes through a copy (`set_path` copies on write), so applying
never alters the plan or its activities, and a caller must treat the CarePlan as read-only or copy it first.

An applicability condition that evaluates to null is neither true nor false: the action is not applied and the
CarePlan carries a note naming the action and the condition, so an undecided action is never silently dropped.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from ..cql.datatypes.datetime import DateTime
from .fhirvalue import PathError, fhir_type_of, set_path, to_fhir
from .relatedtiming import EXACT_MS, Span, TimingError, intersect, related_span
from .requestgroup import ACTION_ELEMENTS, action_path, careplan, request_group

#: Answers one FHIR Expression (language, expression, reference) with a CQL value.
Evaluate = Callable[[Mapping[str, Any]], Any]

_DAYS_PER_UNIT = {"d": 1, "wk": 7}



class ApplyError(Exception):
    """The PlanDefinition cannot be applied as written (names the action and why)."""


@dataclass
class _Run:
    evaluate: Evaluate
    activities: Mapping[str, dict[str, Any]]
    subject: str
    start: _dt.date
    starts: dict[str, _dt.date] = field(default_factory=dict)
    #: The plan's actions with an id, by id.
    plan_actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    contained: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def canonical_key(canonical: str) -> tuple[str, str | None]:
    """(url, version) of a canonical reference `url|version`."""
    url, _, version = canonical.partition("|")
    return url, version or None


#: CPG's activity-type codes say what kind of activity a definition is (`order-service`), not what is ordered.
CPG_ACTIVITY_TYPE = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs"


def service_code(ad: dict[str, Any]) -> dict[str, Any]:
    """A ServiceRequest's code from its ActivityDefinition: the service's codings, without the activity type."""
    code = {k: v for k, v in ad["code"].items() if k != "coding"}  # a fresh dict: the definition is never changed
    codings = [c for c in ad["code"].get("coding", []) if c.get("system") != CPG_ACTIVITY_TYPE]
    if codings:
        code["coding"] = codings
    if not code.get("coding") and not code.get("text"):
        raise ApplyError(f"ActivityDefinition '{ad.get('id')}': its code names no service, only the activity type")
    return code


def activity_index(activities: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """ActivityDefinitions by `url` and by `url|version`, as canonical references name them."""
    index: dict[str, dict[str, Any]] = {}
    for ad in activities:
        index[ad["url"]] = ad
        if ad.get("version"):
            index[f"{ad['url']}|{ad['version']}"] = ad
    return index


def walk_actions(actions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every action of a PlanDefinition, depth first."""
    for action in actions:
        yield action
        yield from walk_actions(action.get("action", []))


def expressions_of(plan: dict[str, Any], activities: Mapping[str, dict[str, Any]]) -> list[Mapping[str, Any]]:
    """Every Expression `$apply` may evaluate: conditions and dynamic values of actions and their activities."""
    found: list[Mapping[str, Any]] = []
    for action in walk_actions(plan.get("action", [])):
        found += [c["expression"] for c in action.get("condition", []) if "expression" in c]
        found += [d["expression"] for d in action.get("dynamicValue", []) if "expression" in d]
        ad = activities.get(action.get("definitionCanonical", ""))
        if ad:
            found += [d["expression"] for d in ad.get("dynamicValue", []) if "expression" in d]
    return found


def _label(expression: Mapping[str, Any]) -> str:
    return f"'{expression.get('expression')}' ({expression.get('language')})"


def _applicable(action: dict[str, Any], run: _Run) -> bool:
    for condition in action.get("condition", []):
        if condition.get("kind") != "applicability":
            continue
        expression = condition["expression"]
        value = run.evaluate(expression)
        if value is None:
            title = action.get("title") or action.get("id")
            run.notes.append(f"Not applied: {title}: applicability condition {_label(expression)} is unknown (null).")
            return False
        if not isinstance(value, bool):
            raise ApplyError(f"action '{action.get('id')}': condition {_label(expression)} is not a Boolean")
        if not value:
            return False
    return True


def _whole_days(offset: Mapping[str, Any] | None, action_id: str) -> None:
    """Refuse an offset that is not a whole number of days (study days have no hours)."""
    if not offset:
        return
    if not isinstance(offset, Mapping):
        raise ApplyError(f"action '{action_id}': offset {offset!r} is not a Duration")
    unit = offset.get("code") or offset.get("unit")
    per = EXACT_MS.get(unit)
    try:
        whole = per is None or (Decimal(str(offset.get("value"))) * per) % EXACT_MS["d"] == 0
    except InvalidOperation:
        raise ApplyError(f"action '{action_id}': offset {offset.get('value')!r} {unit} is not a number") from None
    if not whole:
        raise ApplyError(f"action '{action_id}': offset {offset.get('value')} {unit} is not a whole number of days")


def _day(day: _dt.date) -> DateTime:
    return DateTime((day.year, day.month, day.day), None)


def _related_day(action: dict[str, Any], span_of: Callable[[str], Span], action_id: str) -> _dt.date:
    """The study day an action's relatedActions give, by R4's relationships (`relatedtiming.py`): one day, or refused."""
    spans = []
    for related in action["relatedAction"]:
        if not isinstance(related, dict) or not isinstance(related.get("offsetRange") or {}, dict):
            raise ApplyError(f"action '{action_id}': relatedAction {related!r} is not an R4 relatedAction")
        for offset in (related.get("offsetDuration"), *(related.get("offsetRange") or {}).values()):
            _whole_days(offset, action_id)
        target = related.get("actionId")
        try:
            found = related_span(related, span_of(target))
        except TimingError as error:
            raise ApplyError(f"action '{action_id}': {error}") from None
        if found is None:
            raise ApplyError(f"action '{action_id}': relatedAction '{target}' ({related.get('relationship')}) has no "
                             "end day to be timed from")
        spans.append(found)
    try:
        span = intersect(spans)
    except TimingError as error:
        raise ApplyError(f"action '{action_id}': {error}") from None
    if span.start is None or span.end is None or span.start.parts != span.end.parts:
        raise ApplyError(f"action '{action_id}': its relatedAction gives a span ({span.start} to {span.end}), not one "
                         "study day")
    return _dt.date(*span.start.parts[:3])


def _bounds_days(action: dict[str, Any]) -> int | None:
    """The number of days a `timingTiming.repeat.boundsDuration` covers (None without one)."""
    bounds = ((action.get("timingTiming") or {}).get("repeat") or {}).get("boundsDuration")
    if bounds is None:
        return None
    unit = bounds.get("code") or bounds.get("unit")
    if unit not in _DAYS_PER_UNIT:
        raise ApplyError(f"action '{action.get('id')}': bounds of {bounds.get('value')} {unit} is not in days or weeks")
    return int(bounds["value"]) * _DAYS_PER_UNIT[unit]


def _start_of(action: dict[str, Any], inherited: _dt.date | None, run: _Run) -> _dt.date | None:
    """An action's first day: from its relatedActions, else its parent's (None: neither is timed)."""
    if not action.get("relatedAction"):
        return inherited
    if action.get("id") in run.starts:
        return run.starts[action["id"]]
    return _related_day(action, lambda target: _span(target, run.starts, run.plan_actions), action.get("id", "?"))


def _span(target: str, starts: Mapping[str, _dt.date], actions: Mapping[str, dict[str, Any]]) -> Span:
    """The days of an action as a span: its first day to its last (a Timing's bounds; one day for an action with a
    definition; no known end for a group)."""
    if target not in starts:
        raise ApplyError(f"relatedAction '{target}' is not an action of the plan")
    first = starts[target]
    action = actions[target]
    days = _bounds_days(action)
    if days is not None:
        return Span(_day(first), _day(first + _dt.timedelta(days=days - 1)))
    return Span(_day(first), _day(first) if action.get("definitionCanonical") else None)


def plan_starts(actions: list[dict[str, Any]], start: _dt.date) -> dict[str, _dt.date]:
    """The first day of every action with an id, whatever the order of the actions their relatedAction names (a later
    one, a nested one); an action of the top level with none starts on day 0; a relatedAction cycle is refused,
    naming an action on it."""
    parents: dict[str, tuple[dict[str, Any], str | None]] = {}

    def index(children: list[dict[str, Any]], parent: str | None) -> None:
        for child in children:
            if child.get("id"):
                parents[child["id"]] = (child, parent)
            index(child.get("action", []), child.get("id") or parent)
    index(actions, None)
    by_id = {k: v[0] for k, v in parents.items()}
    starts: dict[str, _dt.date] = {}
    visiting: set[str] = set()

    def span_of(action_id: str) -> Span:
        if action_id in parents:
            resolve(action_id)
        return _span(action_id, starts, by_id)

    def resolve(action_id: str) -> _dt.date:
        if action_id in starts:
            return starts[action_id]
        if action_id in visiting:
            raise ApplyError(f"action '{action_id}': its relatedAction start offsets form a cycle")
        visiting.add(action_id)
        action, parent = parents[action_id]
        if action.get("relatedAction"):
            found = _related_day(action, span_of, action_id)
        else:
            found = resolve(parent) if parent is not None else start
        visiting.discard(action_id)
        starts[action_id] = found
        return found
    for action_id in parents:
        resolve(action_id)
    return starts


def _timing(action: dict[str, Any], start: _dt.date | None) -> dict[str, Any]:
    """RequestGroup.action.timing[x]: the day itself, or the action's Timing bounded by real dates; an action
    neither it nor an enclosing action times keeps its Timing as written, or has none (never the apply's day 0)."""
    timing = action.get("timingTiming")
    if start is None:
        return {"timingTiming": timing} if timing else {}
    if not timing:
        return {"timingDateTime": start.isoformat()}
    repeat = dict(timing.get("repeat", {}))
    days = _bounds_days(action)
    if repeat.pop("boundsDuration", None) is not None and days is not None:
        repeat["boundsPeriod"] = {"start": start.isoformat(), "end": (start + _dt.timedelta(days=days - 1)).isoformat()}
        timing = {**timing, "repeat": repeat}
    return {"timingTiming": timing}


#: Request kinds this $apply builds, and whether the kind has R4's `intent` and `instantiatesCanonical`.
_KINDS = {"MedicationRequest": True, "ServiceRequest": True, "CommunicationRequest": False}


def _request(ad: dict[str, Any], action: dict[str, Any], request_id: str, timing: dict[str, Any], run: _Run) -> dict[str, Any]:
    """The request an ActivityDefinition describes, for this subject and day (R4 ActivityDefinition $apply)."""
    kind = ad.get("kind")
    if kind not in _KINDS:
        raise ApplyError(f"ActivityDefinition '{ad.get('id')}': kind '{kind}' is not supported by this $apply")
    subject = {"reference": run.subject}
    request: dict[str, Any] = {"resourceType": kind, "id": request_id, "status": "draft"}
    if _KINDS[kind]:
        canonical = f"{ad['url']}|{ad['version']}" if ad.get("version") else ad["url"]
        request.update(intent=ad.get("intent", "proposal"), instantiatesCanonical=[canonical])
    request["subject"] = subject
    if ad.get("priority"):
        request["priority"] = ad["priority"]
    if ad.get("doNotPerform"):
        request["doNotPerform"] = True
    renamed = _hoist_contained(ad, request_id, run)
    on_day = timing.get("timingDateTime")
    if kind == "MedicationRequest":
        if "productCodeableConcept" in ad:
            request["medicationCodeableConcept"] = ad["productCodeableConcept"]
        elif "productReference" in ad:
            ref = dict(ad["productReference"])
            ref["reference"] = renamed.get(ref.get("reference", ""), ref.get("reference"))
            request["medicationReference"] = ref
        else:
            raise ApplyError(f"ActivityDefinition '{ad.get('id')}': a MedicationRequest needs a product")
        when = {"event": [on_day]} if on_day else timing.get("timingTiming")
        dosage = [d if "timing" in d or when is None else {**d, "timing": when} for d in ad.get("dosage", [])]
        if dosage:
            request["dosageInstruction"] = dosage
    elif kind == "ServiceRequest":
        if "code" not in ad:
            raise ApplyError(f"ActivityDefinition '{ad.get('id')}': a ServiceRequest needs a code")
        request["code"] = service_code(ad)
        if "bodySite" in ad:
            request["bodySite"] = ad["bodySite"]
        if on_day:
            request["occurrenceDateTime"] = on_day
        elif "timingTiming" in timing:
            request["occurrenceTiming"] = timing["timingTiming"]
    else:
        if "code" in ad:
            request["category"] = [ad["code"]]
        if on_day:
            request["occurrenceDateTime"] = on_day
    for source in (ad, action):
        for dynamic in source.get("dynamicValue", []):
            if source is action and action_path(dynamic["path"])[0]:
                continue
            value = run.evaluate(dynamic["expression"])
            try:
                set_path(request, dynamic["path"], to_fhir(value), value_type=fhir_type_of(value))
            except PathError as e:
                raise ApplyError(f"{source.get('resourceType', 'action')} '{source.get('id')}': {e}") from None
    return request


def _hoist_contained(ad: dict[str, Any], request_id: str, run: _Run) -> dict[str, str]:
    """Move an ActivityDefinition's contained resources up to the CarePlan (FHIR forbids nested contained)."""
    renamed: dict[str, str] = {}
    for resource in ad.get("contained", []):
        new_id = f"{request_id}-{resource['id']}"
        if all(c.get("id") != new_id for c in run.contained):
            run.contained.append({**resource, "id": new_id})
        renamed[f"#{resource['id']}"] = f"#{new_id}"
    return renamed


def _apply_action(action: dict[str, Any], inherited: _dt.date | None, run: _Run) -> dict[str, Any] | None:
    start = _start_of(action, inherited, run)
    action_id = action.get("id")
    if not _applicable(action, run):
        return None
    out: dict[str, Any] = {k: action[k] for k in ACTION_ELEMENTS if k in action}
    if action_id:
        out["id"] = action_id
    if action.get("relatedAction"):
        out["relatedAction"] = [
            {k: r[k] for k in ("actionId", "relationship", "offsetDuration", "offsetRange") if k in r}
            for r in action["relatedAction"]
        ]
    definition = action.get("definitionCanonical")
    if definition or action.get("relatedAction") or action.get("timingTiming"):
        out.update(_timing(action, start))
    if definition:
        ad = run.activities.get(definition)
        if ad is None:
            raise ApplyError(f"action '{action_id}': ActivityDefinition {definition} is not in the package")
        request_id = f"request-{action_id or len(run.contained)}"
        run.contained.append(_request(ad, action, request_id, out, run))
        out["resource"] = {"reference": f"#{request_id}"}
    for dynamic in action.get("dynamicValue", []):
        on_action, path = action_path(dynamic["path"])
        if definition and not on_action:
            continue
        try:
            set_path(out, path, to_fhir(run.evaluate(dynamic["expression"])))
        except PathError as e:
            raise ApplyError(f"action '{action_id}': {e}") from None
    children = [c for c in (_apply_action(a, start, run) for a in action.get("action", [])) if c is not None]
    if children:
        out["action"] = children
    elif action.get("action") and not definition and not out.get("textEquivalent") and not action.get("condition"):
        return None
    return out


def apply_plan(
    plan: dict[str, Any],
    activities: Mapping[str, dict[str, Any]],
    evaluate: Evaluate,
    *,
    subject: str,
    start: _dt.date,
) -> dict[str, Any]:
    """The CarePlan (R4) that `$apply` of `plan` gives for `subject` with day 0 on `start`."""
    run = _Run(evaluate, activities, subject, start, starts=plan_starts(plan.get("action", []), start),
               plan_actions={a["id"]: a for a in walk_actions(plan.get("action", [])) if a.get("id")})
    canonical = f"{plan['url']}|{plan['version']}" if plan.get("version") else plan["url"]
    actions = [a for a in (_apply_action(a, None, run) for a in plan.get("action", [])) if a is not None]
    group = request_group("request-group", canonical, "draft", subject, actions=actions)
    return careplan(f"{plan.get('id', 'plan')}-{subject.rpartition('/')[2]}", canonical, "draft", subject,
                    [group, *run.contained], title=plan.get("title"), period={"start": start.isoformat()},
                    notes=run.notes)
