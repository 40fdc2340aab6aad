"""CDS Hooks cards from what the evaluator decided: the assessment report's idarubicin decisions (patient-view) and
the `$apply` CarePlan's action for a draft order's drug and day (order-sign). Cards only arrange; the CQL decides."""

from __future__ import annotations

import copy
import uuid
from typing import Any, Iterable, Mapping

#: Namespace of card and suggestion uuids: derived from the hook instance, so a response is deterministic.
_NAMESPACE = uuid.UUID("6d1f0c2e-5f0b-4c59-9a57-0c3a06030603")

NOT_DECIDED = "not decided"
_WORDS = {"give": "give", "withhold": "withhold", "indeterminate": NOT_DECIDED}


def card_uuid(hook_instance: str, key: str) -> str:
    """A stable uuid for a card or suggestion of one hook call."""
    return str(uuid.uuid5(_NAMESPACE, f"{hook_instance}/{key}"))


def source(label: str, url: str | None) -> dict[str, Any]:
    """A card's source: the package and its PlanDefinition's canonical URL."""
    return {"label": label, "url": url} if url else {"label": label}


def _card(hook_instance: str, key: str, summary: str, detail: str, indicator: str, src: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": card_uuid(hook_instance, key), "summary": summary[:140], "detail": detail,
            "indicator": indicator, "source": src}


def _dose(decision: Mapping[str, Any]) -> str:
    dose = decision.get("dose")
    return f" {dose['value']:g} {dose['unit']}" if isinstance(dose, Mapping) and dose.get("value") is not None else ""


def patient_view_cards(report: Mapping[str, Any], hook_instance: str, src: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per idarubicin day reached (give, withhold, not decided), and one when intrathecal therapy waits on
    an indeterminate CNS status; a hold and an undecided item are warnings."""
    cards: list[dict[str, Any]] = []
    for key, decision in (report.get("idarubicin") or {}).items():
        value = decision.get("value")
        if value not in _WORDS:
            continue
        day = key.removeprefix("day")
        word = _WORDS[value]
        summary = f"Idarubicin study day {day}: {word}{_dose(decision) if value == 'give' else ''}"
        cards.append(_card(hook_instance, f"idarubicin-{key}", summary, decision.get("reason") or "",
                           "info" if value == "give" else "warning", src))
    cns = report.get("cnsStatus") or {}
    if cns.get("value") == "indeterminate":
        cards.append(_card(hook_instance, "intrathecal", "Intrathecal therapy: not decided (CNS status indeterminate)",
                           cns.get("reason") or "", "warning", src))
    return cards


def _codes(concept: Any) -> set[tuple[str, str]]:
    if not isinstance(concept, Mapping):
        return set()
    return {(c.get("system"), c.get("code")) for c in concept.get("coding") or [] if isinstance(c, Mapping)}


def drug_groups(plan: Mapping[str, Any], activities: Mapping[str, Mapping[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """PlanDefinition actions whose sub-actions order a drug: the action id and the drug's codes.

    Such an action is a decision for one drug and day: the sub-action `$apply` chose is the decision.
    """
    groups: dict[str, set[tuple[str, str]]] = {}

    def walk(actions: Iterable[Mapping[str, Any]]) -> None:
        for action in actions:
            children = action.get("action") or []
            codes: set[tuple[str, str]] = set()
            for child in children:
                ad = activities.get(child.get("definitionCanonical", ""))
                if ad and ad.get("kind") == "MedicationRequest":
                    codes |= _codes(ad.get("productCodeableConcept"))
            if codes and action.get("id"):
                groups[action["id"]] = codes
            walk(children)

    walk(plan.get("action") or [])
    return groups


def _planned(careplan: Mapping[str, Any], groups: Mapping[str, set[tuple[str, str]]]) -> list[tuple[set, str, dict]]:
    """(drug codes, date, request) for every request `$apply` placed under a drug's decision action."""
    contained = {f"#{r.get('id')}": r for r in careplan.get("contained") or []}
    found: list[tuple[set, str, dict]] = []

    def walk(actions: Iterable[Mapping[str, Any]], codes: set | None) -> None:
        for action in actions:
            own = groups.get(action.get("id", ""), codes)
            request = contained.get((action.get("resource") or {}).get("reference", ""))
            if own and request is not None and isinstance(action.get("timingDateTime"), str):
                found.append((own, action["timingDateTime"][:10], request))
            walk(action.get("action") or [], own)

    group = contained.get("#request-group") or {}
    walk(group.get("action") or [], None)
    return found


def draft_date(order: Mapping[str, Any]) -> str | None:
    """The day a draft MedicationRequest is for: its first dosage timing event (or bounds start)."""
    for dosage in order.get("dosageInstruction") or []:
        timing = dosage.get("timing") or {}
        events = timing.get("event") or []
        if events and isinstance(events[0], str):
            return events[0][:10]
        start = ((timing.get("repeat") or {}).get("boundsPeriod") or {}).get("start")
        if isinstance(start, str):
            return start[:10]
    return None


def _replacement(request: Mapping[str, Any], order: Mapping[str, Any]) -> dict[str, Any]:
    """The do-not-perform request as a resource the EHR creates (no contained id; the draft's encounter kept)."""
    resource = copy.deepcopy(dict(request))
    resource.pop("id", None)
    if "encounter" in order:
        resource["encounter"] = copy.deepcopy(order["encounter"])
    return resource


def order_sign_cards(
    careplan: Mapping[str, Any],
    groups: Mapping[str, set[tuple[str, str]]],
    draft_orders: Iterable[Mapping[str, Any]],
    hook_instance: str,
    src: dict[str, Any],
) -> list[dict[str, Any]]:
    """A warning (with a suggestion to replace it by the do-not-perform request) for each draft order of a drug on
    a day the plan withholds it; a warning for a day whose decision is not made; a draft with no day, a warning."""
    planned = _planned(careplan, groups)
    cards: list[dict[str, Any]] = []
    for order in draft_orders:
        if order.get("resourceType") != "MedicationRequest" or order.get("doNotPerform"):
            continue
        codes = _codes(order.get("medicationCodeableConcept"))
        matching = [p for p in planned if p[0] & codes]
        if not matching:
            continue
        name = (order.get("medicationCodeableConcept") or {}).get("text") or "this drug"
        ref = f"MedicationRequest/{order.get('id')}"
        day = draft_date(order)
        key = f"{ref}/{day}"
        if day is None:
            cards.append(_card(hook_instance, key, f"{name.capitalize()} order has no day: not checked",
                               "The draft order has no administration date (dosageInstruction.timing), so the "
                               "regimen's decision for its day cannot be found.", "warning", src))
            continue
        for _, _, request in (p for p in matching if p[1] == day):
            if request.get("resourceType") == "CommunicationRequest":
                reason = next((p.get("contentString") for p in request.get("payload") or [] if "contentString" in p), "")
                cards.append(_card(hook_instance, key, f"{name.capitalize()} on {day}: not decided", reason or "",
                                   "warning", src))
            elif request.get("doNotPerform"):
                reason = next((c.get("text") for c in request.get("reasonCode") or [] if c.get("text")), "")
                card = _card(hook_instance, key, f"{name.capitalize()} on {day}: withhold", reason or "", "warning", src)
                card["suggestions"] = [{
                    "label": f"Replace the order with: do not give {name} on {day}",
                    "uuid": card_uuid(hook_instance, f"{key}/replace"),
                    "isRecommended": True,
                    "actions": [
                        {"type": "delete", "description": f"Remove the draft {name} order", "resourceId": [ref]},
                        {"type": "create", "description": f"Record that {name} is withheld on {day}, with the reason",
                         "resource": _replacement(request, order)},
                    ],
                }]
                card["selectionBehavior"] = "at-most-one"
                cards.append(card)
    return cards
