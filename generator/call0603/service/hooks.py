"""CDS Hooks 2.0 services of the package: discovery, `patient-view` and `order-sign` calls, feedback.

Requests and answers are checked against the CDS Hooks JSON schemas in `schemas/`; the data comes from the
prefetch or, for what it lacks, the hook's `fhirServer` with the `fhirAuthorization` bearer token.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable

import jsonschema

from ..evaluator.assess import evaluate_patient, report_from
from ..evaluator.careplan import careplan_for
from ..evaluator.inputs import InputRefused, PatientInput
from .cards import card_uuid, order_sign_cards, patient_view_cards, source
from .datasource import patient_from_prefetch, resources_of
from .fhirclient import FhirClient
from .outcome import OperationError
from .package import ServedPackage

#: Seconds a read from the hook's fhirServer may take.
FHIR_SERVER_TIMEOUT = 10.0


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """A CDS Hooks JSON schema shipped with the package: discovery, request, response or feedback."""
    text = resources.files(__package__).joinpath("schemas", f"cds-hooks-{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def schema_errors(name: str, document: Any) -> list[str]:
    """What makes `document` invalid against a CDS Hooks schema (empty when it is valid)."""
    validator = jsonschema.Draft202012Validator(schema(name))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(document)]


@dataclass(frozen=True)
class HookService:
    """One CDS Service: its discovery entry and the function giving its cards."""

    id: str
    hook: str
    title: str
    description: str
    cards: Callable[[ServedPackage, PatientInput, dict[str, Any], dict[str, Any], _dt.date], list[dict[str, Any]]]


def _src(pkg: ServedPackage) -> dict[str, Any]:
    return source(pkg.plan.get("title") or pkg.plan["id"], pkg.plan.get("url"))


def _patient_view(pkg: ServedPackage, patient: PatientInput, request: dict[str, Any], _: dict[str, Any],
                  today: _dt.date) -> list[dict[str, Any]]:
    with pkg.lock:
        evaluation = evaluate_patient(patient, start=None, as_of=today, context=pkg.context)
        report = report_from(evaluation, pkg.context)
    return patient_view_cards(report, request["hookInstance"], _src(pkg))


def _order_sign(pkg: ServedPackage, patient: PatientInput, request: dict[str, Any], context: dict[str, Any],
                today: _dt.date) -> list[dict[str, Any]]:
    drafts = resources_of(context.get("draftOrders"))
    if not any(d.get("resourceType") == "MedicationRequest" for d in drafts):
        return []
    with pkg.lock:
        careplan = careplan_for(patient, start=None, as_of=today, context=pkg.context)
    return order_sign_cards(careplan, pkg.drug_groups, drafts, request["hookInstance"], _src(pkg))


def services(pkg: ServedPackage) -> list[HookService]:
    """The package's CDS Services."""
    title = pkg.plan.get("title") or pkg.plan["id"]
    return [
        HookService(f"{pkg.plan['id']}-patient-view", "patient-view", title,
                    "Today's decisions of the reinduction course: idarubicin give, withhold or not decided, each "
                    "with its reason, and intrathecal therapy awaiting CNS status.", _patient_view),
        HookService(f"{pkg.plan['id']}-order-sign", "order-sign", f"{title}: order check",
                    "Warns when a draft idarubicin order falls on a day the regimen withholds it (suggesting the "
                    "do-not-perform request instead) or on a day whose decision is not made.", _order_sign),
    ]


def discovery(pkg: ServedPackage) -> dict[str, Any]:
    """`GET /cds-services`: every service with the prefetch templates from the Library's dataRequirements."""
    return {"services": [{"hook": s.hook, "title": s.title, "description": s.description, "id": s.id,
                          "prefetch": dict(pkg.templates)} for s in services(pkg)]}


def _client(request: dict[str, Any]) -> FhirClient | None:
    server = request.get("fhirServer")
    if not server:
        return None
    token = (request.get("fhirAuthorization") or {}).get("access_token")
    return FhirClient(server, token=token, timeout=FHIR_SERVER_TIMEOUT)


def find_service(pkg: ServedPackage, service_id: str) -> HookService:
    """The service called, or a 404."""
    service = next((s for s in services(pkg) if s.id == service_id), None)
    if service is None:
        raise OperationError(404, "not-found", f"no CDS Service '{service_id}'")
    return service


def call(pkg: ServedPackage, service_id: str, request: Any, today: _dt.date) -> dict[str, Any]:
    """One hook call: its cards. A patient whose data is refused gets one card saying why, never silence."""
    service = find_service(pkg, service_id)
    errors = schema_errors("request", request)
    if errors:
        raise OperationError(400, "invalid", f"not a CDS Hooks request: {errors[0]}")
    if request["hook"] != service.hook:
        raise OperationError(400, "invalid", f"service '{service_id}' answers {service.hook}, not {request['hook']}")
    context = request["context"]
    if not isinstance(context.get("patientId"), str) or not context["patientId"]:
        raise OperationError(400, "required", "context.patientId is required")
    try:
        patient = patient_from_prefetch(request.get("prefetch"), pkg.templates, context, _client(request))
        cards = service.cards(pkg, patient, request, context, today)
    except InputRefused as refused:
        cards = [{"uuid": card_uuid(request["hookInstance"], "not-assessed"), "summary": f"{service.title}: not assessed",
                  "detail": f"{refused.source}: {refused.reason}", "indicator": "info", "source": _src(pkg)}]
    return {"cards": cards}


def feedback(pkg: ServedPackage, service_id: str, document: Any) -> dict[str, Any]:
    """`POST /cds-services/{id}/feedback`: accepted when it is CDS Hooks feedback (nothing of it is stored)."""
    find_service(pkg, service_id)
    errors = schema_errors("feedback", document)
    if errors:
        raise OperationError(400, "invalid", f"not CDS Hooks feedback: {errors[0]}")
    return {}
