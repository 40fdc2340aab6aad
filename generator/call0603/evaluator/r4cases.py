"""The reference implementation's R4 `$apply` cases (clinical-reasoning, shared/clinical-reasoning-r4): each case's
plan, content and patient data, run through `apply_r4`, judged by the case's own upstream check.

"equal" cases compare the CarePlan with the expected file after the documented normalisations (`normalise`): the
differences that are deliberate (the specification followed where the reference departs from it) are removed from
both sides, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import orjson

from ..cql.datatypes.datetime import DateTime
from .content import Content, read_resources
from .r4apply import ApplyRequest, apply_r4

#: Deliberate differences from the reference, each removed before an "equal" comparison: (what, why).
DIFFERENCES = (
    ("RequestGroup.action.prefix", "R4 RequestGroup.action has `prefix`; the reference drops it, this $apply copies it"),
)
NOW = "2024-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class Case:
    """One upstream test: where its plan, content and data are, its subject and context, and its check."""

    name: str
    plan: str
    data: tuple[str, ...]
    subject: str
    check: str
    expected: str | None = None
    practitioner: str | None = None
    encounter: str | None = None


CASES = (
    Case("hello-world-patient-view", "input/resources/PlanDefinition-hello-world-patient-view.json",
         ("input/tests/Patient-helloworld-patient-1.json", "input/tests/Encounter-helloworld-patient-1-encounter-1.json"),
         "Patient/helloworld-patient-1", "equal", "input/tests/CarePlan-hello-world-patient-view.json",
         encounter="Encounter/helloworld-patient-1-encounter-1"),
    Case("cds-hooks-multiple-actions", "cds-hooks-multiple-actions/cds_hooks_multiple_actions_plan_definition.json",
         ("cds-hooks-multiple-actions/cds_hooks_multiple_actions_patient_data.json",),
         "Patient/patient-CdsHooksMultipleActions", "equal",
         "cds-hooks-multiple-actions/cds_hooks_multiple_actions_careplan.json"),
    Case("child-routine-visit", "child-routine-visit/child_routine_visit_plan_definition.json",
         ("child-routine-visit/child_routine_visit_patient.json",), "Patient/ChildRoutine-Reportable", "equal",
         "child-routine-visit/child_routine_visit_careplan.json"),
    Case("anc-visit", "anc-visit/anc_visit_plan_definition.json", ("anc-visit/anc_visit_patient.json",),
         "Patient/TEST_PATIENT", "equal", "anc-visit/anc_visit_careplan.json"),
    Case("DischargeInstructionsPlan", "input/resources/PlanDefinition-DischargeInstructionsPlan.json",
         ("input/tests/Bundle-DischargeInstructions-Patient-Data.json",), "Patient/Patient1", "payload",
         practitioner="Practitioner/Practitioner1"),
    Case("NestedActivity", "input/resources/PlanDefinition-NestedActivity.json",
         ("input/tests/Bundle-DischargeInstructions-Patient-Data.json",), "Patient/Patient1", "payload",
         practitioner="Practitioner/Practitioner1"),
    Case("multi-action-activity", "input/resources/PlanDefinition-multi-action-activity.json",
         ("input/tests/Patient-OPA-Patient1.json",), "Patient/OPA-Patient1", "two-requests"),
    Case("test-nested-error-1", "input/resources/PlanDefinition-test-nested-error-1.json",
         ("input/tests/Patient-helloworld-patient-1.json",), "Patient/helloworld-patient-1", "nested-error"),
)


def _strip(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v, key) for k, v in value.items() if k != key}
    if isinstance(value, list):
        return [_strip(v, key) for v in value]
    return value


def normalise(careplan: dict[str, Any]) -> dict[str, Any]:
    """A CarePlan without the documented differences (RequestGroup action prefixes), for an "equal" check."""
    group_keys = {"prefix"}
    out = orjson.loads(orjson.dumps(careplan))
    for resource in out.get("contained") or ():
        if resource.get("resourceType") == "RequestGroup":
            for key in group_keys:
                resource["action"] = _strip(resource.get("action") or [], key)
    return out


def _requests(careplan: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in careplan.get("contained") or () if r.get("resourceType") == kind]


def _payload(careplan: dict[str, Any]) -> str | None:
    found = _requests(careplan, "CommunicationRequest")
    if not found:
        return "no CommunicationRequest"
    if not all((r.get("payload") or [{}])[0].get("contentString") for r in found):
        return "a CommunicationRequest without payload[0].contentString"
    return None


def _two_requests(careplan: dict[str, Any]) -> str | None:
    found = [r for r in careplan.get("contained") or () if r.get("resourceType") not in ("RequestGroup", "Goal", "OperationOutcome")]
    if len(found) != 2 or found[0]["id"] == found[1]["id"]:
        return f"{len(found)} requests, ids {[r['id'] for r in found]}"
    return None


def _nested_error(careplan: dict[str, Any]) -> str | None:
    outcomes = _requests(careplan, "OperationOutcome")
    if not outcomes or not any("NoExpression" in i.get("diagnostics", "") for o in outcomes for i in o["issue"]):
        return "no OperationOutcome reporting the nested failure"
    return None


CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "payload": _payload, "two-requests": _two_requests, "nested-error": _nested_error,
}


def shared_content(root: Path) -> Content:
    """The material's knowledge content: `input/resources` and every case folder's plan and library Bundles."""
    extra = sorted([*root.glob("*/*_bundle.json"), *root.glob("*/*_plan_definition.json")])
    return Content.of([*read_resources(root / "input" / "resources"), *(r for p in extra for r in read_resources(p))])


def run_case(case: Case, root: Path, content: Content) -> tuple[bool, str, dict[str, Any]]:
    """(passed, why not, the CarePlan) of one case, its plan taken from `content` (see `shared_content`)."""
    plan = next(r for r in read_resources(root / case.plan) if r.get("resourceType") == "PlanDefinition")
    data = tuple(r for d in case.data for r in read_resources(root / d))
    now = DateTime.parse(NOW, None)
    request = ApplyRequest(case.subject, data, now, encounter=case.encounter, practitioner=case.practitioner)
    careplan = apply_r4(plan, content, request)
    if case.check == "equal":
        expected = orjson.loads((root / str(case.expected)).read_bytes())
        ours, theirs = normalise(careplan), normalise(expected)
        if ours == theirs:
            return True, "", careplan
        return False, _first_difference(ours, theirs), careplan
    why = CHECKS[case.check](careplan)
    return why is None, why or "", careplan


def _first_difference(ours: Any, theirs: Any, path: str = "CarePlan") -> str:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            if ours.get(key) != theirs.get(key):
                return _first_difference(ours.get(key), theirs.get(key), f"{path}.{key}")
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if a != b:
                return _first_difference(a, b, f"{path}[{i}]")
    return f"{path}: ours {orjson.dumps(ours)[:200].decode()} expected {orjson.dumps(theirs)[:200].decode()}"
