"""`PlanDefinition/$apply` and `ActivityDefinition/$apply` (FHIR R4, CPG) over any knowledge content.

The output follows the R4 operation and the reference implementation's conventions: a CarePlan (id and
instantiatesCanonical of the plan, status active, intent proposal) holding a contained RequestGroup of the applied
actions (timed from their relatedAction where the related action has a time, `relatedtiming.py`), the plan's
goals as contained Goals, and each request contained and referenced from `RequestGroup.action.resource`.
Conditions are carried over; only `applicability` conditions are evaluated.
Expressions: CQL identifiers (`text/cql-identifier`, `text/cql.identifier`, `text/cql` naming a define) in the
action's, plan's or expression's Library, CQL expressions (`text/cql-expression`, which name that Library's defines
qualified by its name), and FHIRPath with `%subject`, `%context` (the definition being applied),
`%practitioner`, `%encounter`, `%organization` and the CodeableConcept inputs (`%userType`, `%setting`, ...); the
`data` input joins the subject's data. An expression that fails is reported in a contained
OperationOutcome and the apply goes on; nothing is guessed in its place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import fhirpathpy

from ..cql import PatientData
from .apply import ApplyError
from .content import Content, canonical
from .fhirvalue import PathError, fhir_type_of, set_path, to_fhir
from .launch import CONCEPT_INPUTS, MergedData, merge_data
from .relatedtiming import TIMINGS, related_timings
from . import requestgroup as rg
from .requestgroup import ACTION_ELEMENTS, action_path

CQL_IDENTIFIERS = frozenset({"text/cql-identifier", "text/cql.identifier", "text/cql"})
CQL_EXPRESSION = "text/cql-expression"
FHIRPATH = "text/fhirpath"

#: RequestGroup.action elements copied from PlanDefinition.action: the ones both applies copy, and the id, the
#: relatedAction and the timing as written.
_COPIED = ("id", *ACTION_ELEMENTS, "relatedAction", *TIMINGS)
#: Timing.repeat elements that are numbers in R4 (content sometimes writes them as strings).
_NUMBERS = ("count", "countMax", "frequency", "frequencyMax", "duration", "durationMax", "period", "periodMax")

#: Request kinds built from an ActivityDefinition: (subject element, instantiatesCanonical as list/str/None, intent).
_KINDS: dict[str, tuple[str, str | None, bool]] = {
    "MedicationRequest": ("subject", "list", True), "ServiceRequest": ("subject", "list", True),
    "CommunicationRequest": ("subject", None, False), "Task": ("for", "str", True),
    "DeviceRequest": ("subject", "list", True), "Procedure": ("subject", "list", False),
    "CarePlan": ("subject", "list", True), "NutritionOrder": ("patient", "list", True),
    "ImmunizationRecommendation": ("patient", None, False), "SupplyRequest": ("requester", None, False),
}


class ExpressionFailure(Exception):
    """An expression could not be evaluated (the message says which and why)."""


@dataclass(frozen=True)
class ApplyRequest:
    """The $apply inputs: subject and its data, the other launch context, CQL parameters and the request time.

    `concepts` holds the operation's CodeableConcept inputs by their R4 names (`userType`, `userLanguage`,
    `userTaskContext`, `setting`, `settingContext`); `additional` is the `data` input's resources."""

    subject: str
    data: tuple[dict[str, Any], ...]
    now: Any
    encounter: str | None = None
    practitioner: str | None = None
    organization: str | None = None
    concepts: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    additional: tuple[dict[str, Any], ...] = ()

    def merged(self) -> MergedData:
        """The subject's data with the `data` input merged in (see `launch.merge_data`)."""
        return merge_data(self.subject, self.data, self.additional)


@dataclass
class _Run:
    content: Content
    request: ApplyRequest
    data: PatientData
    #: The subject's data and the `data` input, as CQL and FHIRPath see them.
    resources: tuple[dict[str, Any], ...] = ()
    contained: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    used_ids: set[str] = field(default_factory=set)
    #: The PlanDefinition whose actions are being applied (a nested plan while its own actions are).
    plan: dict[str, Any] = field(default_factory=dict)

    def fail(self, where: str, why: str, severity: str = "error") -> None:
        self.issues.append({"severity": severity, "code": "exception" if severity == "error" else "informational",
                            "diagnostics": f"{where}: {why}"})

    def resource(self, reference: str | None) -> dict[str, Any] | None:
        """The resource of the data a `Type/id` reference names."""
        if not reference:
            return None
        kind, _, rid = reference.partition("/")
        return next((r for r in self.resources if r.get("resourceType") == kind and r.get("id") == rid), None)

    def unique(self, wanted: str) -> str:
        rid, n = wanted, 1
        while rid in self.used_ids:
            n += 1
            rid = f"{wanted}-{n}"
        self.used_ids.add(rid)
        return rid


def _cql(run: _Run, expression: Mapping[str, Any], libraries: list[str]) -> Any:
    reference = expression.get("reference") or (libraries[0] if libraries else None)
    name = expression.get("expression")
    if reference is None:
        raise ExpressionFailure(f"CQL expression '{name}' has no Library (neither the expression nor the definition names one)")
    library = run.content.library_name(reference)
    if library is None:
        raise ExpressionFailure(f"Library {reference} is not in the content")
    engine = run.content.engine()
    if engine is None or library in run.content.library_errors:
        raise ExpressionFailure(f"Library {library} cannot be run: {run.content.library_errors.get(library, 'no CQL')}")
    key = (library, name)
    if key not in run.cache:
        try:
            compiled = engine.library(library)
        except Exception as error:  # an include missing or not compiling: reported, never a traceback
            raise ExpressionFailure(f"Library {library}: {error}") from None
        if name not in compiled.expressions:
            raise ExpressionFailure(f"Library {library} has no define '{name}'")
        parameters = dict(run.request.parameters)
        errors: dict[str, str] = {}
        try:
            found = engine.evaluate(library, data=run.data, parameters=parameters, now=run.request.now,
                                    terminology=run.content.terminology(), expressions=[name], errors=errors)
        except Exception as error:
            raise ExpressionFailure(f"'{name}' in {library}: {error}") from None
        if name in errors:
            raise ExpressionFailure(f"'{name}' in {library}: {errors[name]}")
        run.cache[key] = found[name]
    return run.cache[key]


def _cql_expression(run: _Run, expression: Mapping[str, Any], libraries: list[str]) -> Any:
    """A CQL expression, evaluated as a define of a library including the expression's (or definition's) Library."""
    reference = expression.get("reference") or (libraries[0] if libraries else None)
    library = run.content.library_name(reference) if reference else None
    if reference is not None and library is None:
        raise ExpressionFailure(f"Library {reference} is not in the content")
    text = expression.get("expression", "")
    key = (f"inline:{library}", text)
    if key not in run.cache:
        engine, name = run.content.expression_engine(library, text)
        if engine is None:
            raise ExpressionFailure(f"CQL expression '{text}': {name}")
        errors: dict[str, str] = {}
        try:
            found = engine.evaluate(name, data=run.data, parameters=dict(run.request.parameters), now=run.request.now,
                                    terminology=run.content.terminology(), expressions=["Expression"], errors=errors)
        except Exception as error:
            raise ExpressionFailure(f"CQL expression '{text}': {error}") from None
        if "Expression" in errors:
            raise ExpressionFailure(f"CQL expression '{text}': {errors['Expression']}")
        run.cache[key] = found["Expression"]
    return run.cache[key]


def _fhirpath(run: _Run, expression: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    request = run.request
    subject = run.resource(request.subject)
    env = {"subject": subject, "context": dict(context), "resource": subject,
           "practitioner": run.resource(request.practitioner), "encounter": run.resource(request.encounter),
           "organization": run.resource(request.organization), **{n: request.concepts.get(n) for n, _ in CONCEPT_INPUTS}}
    text = expression.get("expression", "")
    for name, value in env.items():
        if value is None and re.search(rf"%{name}\b", text):
            raise ExpressionFailure(f"FHIRPath '{text}': %{name} is not given")
    try:
        values = fhirpathpy.evaluate(dict(subject or {}), text, {k: v for k, v in env.items() if v is not None})
    except Exception as error:
        raise ExpressionFailure(f"FHIRPath '{text}': {error}") from None
    return None if not values else values[0] if len(values) == 1 else values


def evaluate(run: _Run, expression: Mapping[str, Any], libraries: list[str], context: Mapping[str, Any]) -> Any:
    """One Expression's value (ExpressionFailure when it cannot be evaluated)."""
    language = expression.get("language")
    if language in CQL_IDENTIFIERS:
        return _cql(run, expression, libraries)
    if language == FHIRPATH:
        return _fhirpath(run, expression, context)
    if language == CQL_EXPRESSION:
        return _cql_expression(run, expression, libraries)
    raise ExpressionFailure(f"expression '{expression.get('expression')}': language {language} is not supported")


def _libraries(definition: Mapping[str, Any]) -> list[str]:
    return list(definition.get("library") or ())


def _applicable(action: dict[str, Any], plan: dict[str, Any], run: _Run, where: str) -> bool:
    for condition in action.get("condition") or ():
        if condition.get("kind") != "applicability" or "expression" not in condition:
            continue
        try:
            value = evaluate(run, condition["expression"], _libraries(plan), plan)
        except ExpressionFailure as failure:
            run.fail(where, f"applicability condition not evaluated, action not applied: {failure}")
            return False
        if value is None:
            run.fail(where, "applicability condition is unknown (null): action not applied", "information")
            return False
        if not isinstance(value, bool):
            run.fail(where, f"applicability condition is not a Boolean ({value!r}): action not applied")
            return False
        if not value:
            return False
    return True


def _numbers(timing: dict[str, Any]) -> dict[str, Any]:
    repeat = timing.get("repeat")
    if not isinstance(repeat, dict) or not any(isinstance(repeat.get(k), str) for k in _NUMBERS):
        return timing
    fixed = {k: (float(v) if "." in v else int(v)) if k in _NUMBERS and isinstance(v, str) else v
             for k, v in repeat.items()}
    return {**timing, "repeat": fixed}


def _set(run: _Run, target: dict[str, Any], path: str, value: Any, where: str) -> None:
    try:
        set_path(target, path, to_fhir(value), value_type=fhir_type_of(value))
    except (PathError, TypeError) as error:
        run.fail(where, f"dynamicValue '{path}': {error}")


def _dynamic(run: _Run, source: dict[str, Any], target: dict[str, Any], definition: dict[str, Any],
             context: dict[str, Any], where: str, *, action_paths: bool | None) -> None:
    """Set `source`'s dynamic values on `target`: all of them, or only those whose path starts (`action_paths`) or
    does not start with `action.`; the `action.` prefixes are removed for the RequestGroup action."""
    for dynamic in source.get("dynamicValue") or ():
        on_action, path = action_path(dynamic.get("path", ""))
        if action_paths is not None and on_action != action_paths:
            continue
        try:
            value = evaluate(run, dynamic.get("expression") or {}, _libraries(definition), context)
        except ExpressionFailure as failure:
            run.fail(where, f"dynamicValue '{dynamic.get('path')}' not set: {failure}")
            continue
        _set(run, target, path, value, where)


def _targeted(ad: dict[str, Any], kind: str) -> str:
    for extension in ad.get("extension") or ():
        if extension.get("url", "").endswith("/targetStatus") and "valueString" in extension:
            return extension["valueString"]
    return "draft" if kind != "Procedure" else "preparation"


def activity_request(ad: dict[str, Any], run: _Run, group_id: str, action: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The request an ActivityDefinition describes for the subject (R4 ActivityDefinition/$apply)."""
    kind = ad.get("kind")
    where = f"ActivityDefinition/{ad.get('id')}"
    if kind not in _KINDS:
        run.fail(where, f"kind '{kind}' is not supported by this $apply")
        return None
    subject_key, instantiates, has_intent = _KINDS[kind]
    request: dict[str, Any] = {"resourceType": kind, "id": run.unique(ad.get("id") or kind.lower())}
    if kind == "Task" and ad.get("extension"):
        request["extension"] = ad["extension"]
    if instantiates == "list":
        request["instantiatesCanonical"] = [canonical(ad)] if ad.get("url") else None
    elif instantiates == "str" and ad.get("url"):
        request["instantiatesCanonical"] = canonical(ad)
    if kind == "Task":
        request["basedOn"] = [{"reference": f"RequestGroup/{group_id}"}]
    request["status"] = _targeted(ad, kind)
    if has_intent:
        request["intent"] = ad.get("intent") or "proposal"
    if ad.get("priority") and kind != "Procedure":
        request["priority"] = ad["priority"]
    if ad.get("doNotPerform") and kind in ("MedicationRequest", "ServiceRequest", "CommunicationRequest"):
        request["doNotPerform"] = True
    if "code" in ad:
        if kind in ("ServiceRequest", "Task", "Procedure"):
            request["code"] = ad["code"]
        elif kind == "DeviceRequest":
            request["codeCodeableConcept"] = ad["code"]
        elif kind == "CommunicationRequest":
            request["category"] = [ad["code"]]
    if kind == "Task" and ad.get("description"):
        request["description"] = ad["description"]
    if kind == "MedicationRequest":
        for source, target in (("productCodeableConcept", "medicationCodeableConcept"), ("productReference", "medicationReference")):
            if source in ad:
                request[target] = ad[source]
        if ad.get("dosage"):
            request["dosageInstruction"] = ad["dosage"]
    if kind in ("ServiceRequest", "Procedure") and ad.get("bodySite"):
        request["bodySite"] = ad["bodySite"]
    request[subject_key] = {"reference": run.request.subject}
    request = {k: v for k, v in request.items() if v is not None}
    _dynamic(run, ad, request, ad, ad, where, action_paths=None)
    if action is not None:
        _dynamic(run, action, request, run.plan, ad, where, action_paths=False)
    return request


def _definition(action: dict[str, Any], plan: dict[str, Any], run: _Run) -> dict[str, Any] | None:
    reference = action["definitionCanonical"]
    if reference.startswith("#"):
        return next((r for r in plan.get("contained") or () if r.get("id") == reference[1:]), None)
    return run.content.resolve(reference)


def _action(action: dict[str, Any], plan: dict[str, Any], group_id: str, run: _Run, where: str) -> dict[str, Any] | None:
    where = f"{where}/action[{action.get('id') or action.get('title') or '?'}]"
    if not _applicable(action, plan, run, where):
        return None
    out: dict[str, Any] = {k: action[k] for k in _COPIED if k in action}
    if "timingTiming" in out:
        out["timingTiming"] = _numbers(out["timingTiming"])
    if action.get("definitionUri"):
        out["resource"] = {"reference": action["definitionUri"]}
    if action.get("definitionCanonical"):
        definition = _definition(action, plan, run)
        if definition is None:
            run.fail(where, f"definition {action['definitionCanonical']} is not in the content")
        elif definition.get("resourceType") == "ActivityDefinition":
            request = activity_request(definition, run, group_id, action)
            if request is not None:
                run.contained.append(request)
                out["resource"] = {"reference": f"#{request['id']}"}
        elif definition.get("resourceType") == "PlanDefinition":
            nested = request_group(definition, run)
            run.contained.append(nested)
            out["resource"] = {"reference": f"#{nested['id']}"}
        else:
            run.fail(where, f"definition {action['definitionCanonical']} is a {definition.get('resourceType')}")
    _dynamic(run, action, out, plan, plan, where,
             action_paths=True if action.get("definitionCanonical") else None)
    children = [c for c in (_action(a, plan, group_id, run, where) for a in action.get("action") or ()) if c is not None]
    if children:
        out["action"] = children
    return out


def request_group(plan: dict[str, Any], run: _Run) -> dict[str, Any]:
    """The RequestGroup of a PlanDefinition's applicable actions for the subject."""
    previous, run.plan = run.plan, plan
    try:
        group_id = run.unique(plan.get("id") or "request-group")
        where = f"PlanDefinition/{plan.get('id')}"
        actions = [a for a in (_action(a, plan, group_id, run, where) for a in plan.get("action") or ()) if a is not None]
        timed, problems = related_timings(actions, plan.get("action") or [])
        for action, timing in timed:
            action.update(timing)
        for name, why, severity in problems:
            run.fail(f"{where}/action[{name}]", why, severity)
        return rg.request_group(group_id, canonical(plan) if plan.get("url") else None, "active", run.request.subject,
                                encounter=run.request.encounter, actions=actions)
    finally:
        run.plan = previous


def _goals(plan: dict[str, Any], run: _Run) -> list[dict[str, Any]]:
    goals = []
    for i, goal in enumerate(plan.get("goal") or ()):
        out: dict[str, Any] = {"resourceType": "Goal", "id": run.unique(goal.get("id") or str(i + 1)),
                               "lifecycleStatus": "proposed"}
        if goal.get("category"):
            out["category"] = [goal["category"]]
        for key in ("description", "priority"):
            if goal.get(key):
                out[key] = goal[key]
        out["subject"] = {"reference": run.request.subject}
        if goal.get("start"):
            out["startCodeableConcept"] = goal["start"]
        if goal.get("addresses"):
            out["addresses"] = goal["addresses"]
        goals.append(out)
    return goals


def _start(content: Content, request: ApplyRequest) -> _Run:
    """A run over the subject's data merged with the `data` input, what the merge set aside reported."""
    merged = request.merged()
    run = _Run(content, request, PatientData.from_resources(merged.resources), merged.resources)
    run.used_ids.add("apply-outcome")
    for key in merged.replaced:
        run.fail("data", f"{key} of the data input replaces a different resource of the same id", "information")
    if merged.others:
        run.fail("data", f"resources of another patient not used: {', '.join(merged.others)}", "information")
    return run


def apply_r4(plan: dict[str, Any], content: Content, request: ApplyRequest) -> dict[str, Any]:
    """The CarePlan (R4) of `$apply` of `plan` for the request's subject."""
    if plan.get("resourceType") != "PlanDefinition":
        raise ApplyError(f"{plan.get('resourceType')}/{plan.get('id')} is not a PlanDefinition")
    run = _start(content, request)
    group = request_group(plan, run)
    goals = _goals(plan, run)
    contained = [group, *goals, *run.contained]
    if run.issues:
        contained.append({"resourceType": "OperationOutcome", "id": "apply-outcome", "issue": run.issues})
    return rg.careplan(plan.get("id") or "careplan", canonical(plan) if plan.get("url") else None, "active",
                    request.subject, contained, encounter=request.encounter, goals=[g["id"] for g in goals])


def apply_activity_r4(ad: dict[str, Any], content: Content, request: ApplyRequest) -> dict[str, Any]:
    """The request of `ActivityDefinition/$apply` for the request's subject (an OperationOutcome when it fails)."""
    run = _start(content, request)
    made = activity_request(ad, run, ad.get("id") or "activity")
    if made is None or run.issues:
        outcome = {"resourceType": "OperationOutcome", "id": "apply-outcome", "issue": run.issues}
        if made is None:
            return outcome
        made = {**made, "contained": [outcome]}
    return made
