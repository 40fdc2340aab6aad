"""The R4 output both `$apply`s build (the package's `apply.py` and the general `r4apply.py`): which
PlanDefinition.action elements a RequestGroup action copies, where an action's dynamicValue path points, and the
RequestGroup and CarePlan around the applied actions, their elements in R4's order."""

from __future__ import annotations

from typing import Any, Sequence

#: RequestGroup.action elements copied from PlanDefinition.action as they are (R4 has each on both).
ACTION_ELEMENTS = ("prefix", "title", "description", "textEquivalent", "priority", "code", "documentation", "condition",
                   "type", "groupingBehavior", "selectionBehavior", "requiredBehavior", "precheckBehavior",
                   "cardinalityBehavior")
ACTION_PREFIX = "action."


def action_path(path: str) -> tuple[bool, str]:
    """(whether a PlanDefinition.action dynamicValue path sets the RequestGroup action, the path it sets there with
    every `action.` prefix removed: `action.action.title` is the nested action's title)."""
    on_action = path.startswith(ACTION_PREFIX)
    while path.startswith(ACTION_PREFIX):
        path = path[len(ACTION_PREFIX):]
    return on_action, path


def request_group(group_id: str, canonical: str | None, status: str, subject: str, *, encounter: str | None = None,
                  actions: list[dict[str, Any]]) -> dict[str, Any]:
    """A RequestGroup (intent proposal) of a plan's applied actions for the subject."""
    group: dict[str, Any] = {"resourceType": "RequestGroup", "id": group_id}
    if canonical:
        group["instantiatesCanonical"] = [canonical]
    group.update(status=status, intent="proposal", subject={"reference": subject})
    if encounter:
        group["encounter"] = {"reference": encounter}
    if actions:
        group["action"] = actions
    return group


def careplan(careplan_id: str, canonical: str | None, status: str, subject: str, contained: list[dict[str, Any]], *,
             title: str | None = None, encounter: str | None = None, period: dict[str, Any] | None = None,
             goals: Sequence[str] = (), notes: Sequence[str] = ()) -> dict[str, Any]:
    """A CarePlan (intent proposal) holding the RequestGroup (the first of `contained`) as its one activity."""
    out: dict[str, Any] = {"resourceType": "CarePlan", "id": careplan_id, "contained": contained}
    if canonical:
        out["instantiatesCanonical"] = [canonical]
    out.update(status=status, intent="proposal")
    if title is not None:
        out["title"] = title
    out["subject"] = {"reference": subject}
    if encounter:
        out["encounter"] = {"reference": encounter}
    if period is not None:
        out["period"] = period
    if goals:
        out["goal"] = [{"reference": f"#{g}"} for g in goals]
    out["activity"] = [{"reference": {"reference": f"#{contained[0]['id']}"}}]
    if notes:
        out["note"] = [{"text": n} for n in notes]
    return out
