"""ActivityDefinitions: one per agent and route, one per intrathecal regimen, the idarubicin hold, the marrow exam.

Medication activities follow CPG `cpg-medicationrequestactivity` (kind MedicationRequest, intent proposal,
doNotPerform stated); the marrow examination follows `cpg-servicerequestactivity`. A body-surface-area dose is
carried in `dosage.doseAndRate` twice: the protocol dose (type `calculated`, UCUM `mg/m2` or `[iU]/m2`) and the
`ordered` dose, which a dynamicValue fills at $apply from the Library's ordered-dose define (dose x BSA).
"""

from __future__ import annotations

from typing import Any

from ..guideline.model import Agent, Coding, Guideline, IntrathecalRegimen, PackageInfo, Substance
from . import text
from .metadata import UCUM, canonical_url, cql_expression, days, json_number, library_reference, shareable

MEDICATION_REQUEST_ACTIVITY = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-medicationrequestactivity"
SERVICE_REQUEST_ACTIVITY = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-servicerequestactivity"
COMMUNICATION_ACTIVITY = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-communicationactivity"
CPG_COMMUNICATION_REQUEST = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-communicationrequest"
CRMI_SHAREABLE_ACTIVITY = "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareableactivitydefinition"
CPG_MEDICATION_REQUEST = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-medicationrequest"
CPG_SERVICE_REQUEST = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-servicerequest"
CPG_ACTIVITY_TYPE = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs"
#: The activity type `cpg-servicerequestactivity` requires in `code` (a pattern): order a service.
ORDER_SERVICE = {"system": CPG_ACTIVITY_TYPE, "code": "order-service", "display": "Order a service"}
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"

#: Where the ordered dose goes in the MedicationRequest $apply creates: doseAndRate[1] is the `ordered` entry.
ORDERED_DOSE_PATH = "dosageInstruction[0].doseAndRate[1].dose"

UNIT_DISPLAY = text.UNIT_DISPLAY
MARROW_EXAM = "marrow-exam"
DECISION_NEEDED = "decision-needed"


def activity_id(local: str) -> str:
    """The resource id of an activity; the `call0603-` prefix keeps ids unique on a shared server."""
    return f"call0603-{local}"


def hold_id(agent_id: str) -> str:
    """The local id of the do-not-give activity of an agent."""
    return f"{agent_id}-hold"


def activity_canonical(package: PackageInfo, local: str) -> str:
    """The versioned canonical of an activity, as PlanDefinition actions reference it."""
    return f"{canonical_url(package, 'ActivityDefinition', activity_id(local))}|{package.version}"


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.split("-") if part)


def _coding(c: Coding) -> dict[str, str]:
    return {"system": c.system, "code": c.code, "display": c.display}


def substance_concept(substance: Substance) -> dict[str, Any]:
    """A substance as RxNorm ingredient + SNOMED CT substance codings."""
    return {"coding": [_coding(substance.rxnorm), _coding(substance.snomed)], "text": substance.rxnorm.display}


def route_concept(route: Coding) -> dict[str, Any]:
    """A route of administration as a SNOMED CT coding."""
    return {"coding": [_coding(route)], "text": route.display}


def daily_timing(agent: Agent) -> dict[str, Any]:
    """Once a day for the length of the daily window (the dose is per day)."""
    assert agent.daily is not None
    return {"repeat": {"boundsDuration": days(len(agent.daily.days)), "frequency": 1, "period": 1, "periodUnit": "d"}}


def _dose_rate(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": DOSE_RATE_TYPE, "code": code, "display": display}]}


def _dosage(agent: Agent) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "sequence": 1,
        "text": f"{text.dose_line(agent)}; the ordered dose is the protocol dose times the body surface area (BSA).",
        "route": route_concept(agent.route),
        "doseAndRate": [
            {
                "type": _dose_rate("calculated", "Calculated"),
                "doseQuantity": {
                    "value": json_number(agent.dose.value),
                    "unit": UNIT_DISPLAY.get(agent.dose.unit, agent.dose.unit),
                    "system": UCUM,
                    "code": agent.dose.unit,
                },
            },
            {"type": _dose_rate("ordered", "Ordered")},
        ],
    }
    if agent.daily is not None:
        dosage["timing"] = daily_timing(agent)
    return dosage


def _activity_base(
    package: PackageInfo, local: str, title: str, description: str, *,
    activity_profile: str, kind: str, request_profile: str, code: dict[str, Any], name: str | None = None,
) -> dict[str, Any]:
    """An ActivityDefinition's shared shape: shareable metadata, the CPG activity profile, kind, code, a proposal."""
    resource = shareable(
        package, "ActivityDefinition", activity_id(local),
        name=name or f"CALL0603{_pascal(local)}", title=title, description=description,
        profiles=(activity_profile, CRMI_SHAREABLE_ACTIVITY),
    )
    resource.update({
        "kind": kind,
        "profile": request_profile,
        "code": code,
        "intent": "proposal",
        "priority": "routine",
        "doNotPerform": False,
    })
    return resource


def _medication_base(package: PackageInfo, local: str, title: str, description: str) -> dict[str, Any]:
    return _activity_base(
        package, local, title, description, activity_profile=MEDICATION_REQUEST_ACTIVITY, kind="MedicationRequest",
        request_profile=CPG_MEDICATION_REQUEST,
        code={"coding": [{"system": CPG_ACTIVITY_TYPE, "code": "order-medication", "display": "Order a medication"}]},
    )


def agent_activity(package: PackageInfo, agent: Agent) -> dict[str, Any]:
    """The MedicationRequest activity of one systemic agent, with its calculated and ordered dose."""
    description = (
        f"{text.dose_line(agent)}, {text.study_days(agent.days, agent.daily is not None)}, in {package.plan_definition_title}. "
        f"{text.source(agent.cite)}"
    )
    resource = _medication_base(package, agent.id, f"{agent.title} ({agent.route_id})", description)
    resource.update({
        "library": [library_reference(package)],
        "productCodeableConcept": substance_concept(agent.substance),
        "dosage": [_dosage(agent)],
        "dynamicValue": [{"path": ORDERED_DOSE_PATH, "expression": cql_expression(package, agent.ordered_dose_define)}],
    })
    return resource


def hold_activity(guideline: Guideline) -> dict[str, Any]:
    """The explicit do-not-give activity of the withholding rule (idarubicin), carrying its rationale."""
    rule = guideline.regimen.withholding
    agent = guideline.regimen.agent(rule.agent)
    rationale = text.withholding(guideline)
    resource = _medication_base(
        guideline.package, hold_id(agent.id), f"Withhold {agent.title.lower()}",
        f"Do not give {agent.title.lower()}. {rationale}",
    )
    resource.update({
        "doNotPerform": True,
        "productCodeableConcept": substance_concept(agent.substance),
        "usage": rationale,
        "purpose": text.source(rule.cite),
        "dosage": [{"sequence": 1, "text": f"Not given. {rationale}", "route": route_concept(agent.route)}],
    })
    return resource


def intrathecal_activity(package: PackageInfo, regimen: IntrathecalRegimen, dose_note: str) -> dict[str, Any]:
    """One intrathecal regimen as a contained combination Medication; no dose (the paper states none)."""
    medication_id = f"{regimen.id}-medication"
    description = (
        f"{regimen.title}, {text.study_days(regimen.days)}, for CNS-{regimen.cns_status} patients; "
        f"dose {dose_note}. {text.source(regimen.cite)}"
    )
    resource = _medication_base(package, regimen.id, regimen.title, description)
    resource.update({
        "contained": [{
            "resourceType": "Medication",
            "id": medication_id,
            "code": {"text": regimen.title},
            "ingredient": [{"itemCodeableConcept": substance_concept(s), "isActive": True} for s in regimen.substances],
        }],
        "productReference": {"reference": f"#{medication_id}", "display": regimen.title},
        "dosage": [{"sequence": 1, "text": f"Intrathecal; dose {dose_note}.", "route": route_concept(regimen.route)}],
    })
    return resource


def marrow_activity(guideline: Guideline) -> dict[str, Any]:
    """The bone marrow examination as a ServiceRequest activity (the days come from the PlanDefinition)."""
    exams = guideline.regimen.marrow_exams
    procedure = guideline.terminology.procedures[MARROW_EXAM]
    return _activity_base(
        guideline.package, MARROW_EXAM, "Bone marrow examination (morphology)",
        "Bone marrow aspiration with a morphological lymphoblast count, classified M1/M2/M3, on "
        + text.study_days(tuple(e.day for e in exams)) + f". {text.source(exams[0].cite)}",
        activity_profile=SERVICE_REQUEST_ACTIVITY, kind="ServiceRequest", request_profile=CPG_SERVICE_REQUEST,
        code={"coding": [ORDER_SERVICE, _coding(procedure)], "text": "Bone marrow examination"}, name="CALL0603MarrowExam",
    )


def decision_needed_activity(guideline: Guideline) -> dict[str, Any]:
    """A message to the care team that a protocol decision cannot be made yet; the plan fills in the reason."""
    return _activity_base(
        guideline.package, DECISION_NEEDED, "Protocol decision not yet possible",
        "Tells the care team that a protocol decision (an idarubicin dose, the intrathecal schedule) cannot be made "
        "yet: it is pending until its day, or indeterminate because data it needs is missing or unusable. The plan "
        "puts the Library's reason in the message, so an undecided item is never silently absent.",
        activity_profile=COMMUNICATION_ACTIVITY, kind="CommunicationRequest", request_profile=CPG_COMMUNICATION_REQUEST,
        code={"coding": [{"system": CPG_ACTIVITY_TYPE, "code": "send-message", "display": "Send a message"}]},
    )


def build_activity_definitions(guideline: Guideline) -> list[dict[str, Any]]:
    """Every ActivityDefinition of the package, in a stable order."""
    regimen = guideline.regimen
    resources = [agent_activity(guideline.package, a) for a in regimen.agents]
    resources.append(hold_activity(guideline))
    resources += [intrathecal_activity(guideline.package, r, regimen.intrathecal.dose_note) for r in regimen.intrathecal.regimens]
    resources.append(marrow_activity(guideline))
    resources.append(decision_needed_activity(guideline))
    return resources
