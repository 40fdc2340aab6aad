"""`$apply` and `$evaluate` for one request: read the Parameters, gather the patient's data, run the evaluator.

Refusals are the evaluator's own (`InputRefused`, as `call0603 apply` prints them); what the request names that
the package does not hold is an OperationError (404).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..evaluator.assess import evaluate_patient
from ..evaluator.careplan import careplan_for
from ..evaluator.inputs import InputRefused
from .datasource import patient_from_request
from .fhirclient import FhirClient
from .outcome import OperationError
from .package import ServedPackage
from .parameters import OperationInput, read_operation, results_parameters

#: Seconds a dataEndpoint read may take per request to it.
ENDPOINT_TIMEOUT = 10.0


def endpoint_client(endpoint: dict[str, Any] | None) -> FhirClient | None:
    """A client for a `dataEndpoint` Endpoint: its address, and its `header` lines (e.g. `Authorization: Bearer x`)."""
    if endpoint is None:
        return None
    address = endpoint.get("address")
    if not isinstance(address, str) or not address.startswith(("http://", "https://")):
        raise InputRefused("Parameters.dataEndpoint", "Endpoint.address is not an http(s) URL")
    headers: dict[str, str] = {}
    for line in endpoint.get("header") or []:
        name, sep, value = str(line).partition(":")
        if not sep or not name.strip():
            raise InputRefused("Parameters.dataEndpoint", "an Endpoint.header is not 'Name: value'")
        headers[name.strip()] = value.strip()
    return FhirClient(address, headers=headers, timeout=ENDPOINT_TIMEOUT)


def _patient(pkg: ServedPackage, request: OperationInput) -> Any:
    if request.data is None and request.data_endpoint is None:
        reason = ("this service holds no patient data: give data or dataEndpoint" if request.use_server_data
                  else "useServerData is false and no data was given")
        raise InputRefused("Parameters", reason)
    return patient_from_request(request.data, endpoint_client(request.data_endpoint), pkg.templates, request.subject)


def _check_plan(pkg: ServedPackage, plan_id: str | None, request: OperationInput) -> None:
    plan = pkg.plan
    if plan_id is not None and plan_id != plan.get("id"):
        raise OperationError(404, "not-found", f"PlanDefinition/{plan_id} is not known")
    if plan_id is None and request.url is None:
        raise OperationError(400, "required", "PlanDefinition/$apply needs the url parameter (or an id in the path)")
    if request.url is not None and (request.url.partition("|")[0] != plan["url"]
                                    or (request.version or request.url.partition("|")[2] or plan["version"]) != plan["version"]):
        raise OperationError(404, "not-found", f"PlanDefinition {request.url} {request.version or ''} is not known".rstrip())


def apply_operation(pkg: ServedPackage, body: Any, plan_id: str | None, today: _dt.date) -> dict[str, Any]:
    """PlanDefinition/$apply: the CarePlan `call0603 apply` gives, with the request's encounter and author."""
    request = read_operation(body)
    _check_plan(pkg, plan_id, request)
    patient = _patient(pkg, request)
    with pkg.lock:
        careplan = careplan_for(patient, start=request.start, as_of=request.as_of or today, context=pkg.context)
    if request.encounter:
        careplan["encounter"] = {"reference": request.encounter}
    authors = [r for r in (request.practitioner, request.organization) if r]
    if authors:
        careplan["author"] = {"reference": authors[0]}
        if len(authors) > 1:
            careplan["contributor"] = [{"reference": authors[1]}]
    return careplan


def _out_defines(pkg: ServedPackage) -> list[str]:
    return [p["name"] for p in pkg.library.get("parameter") or [] if p.get("use") == "out"]


def evaluate_operation(pkg: ServedPackage, body: Any, library_id: str, today: _dt.date) -> dict[str, Any]:
    """Library/$evaluate (CPG): each requested define (default: every define) as FHIR-typed Parameters."""
    if library_id != pkg.library.get("id"):
        raise OperationError(404, "not-found", f"Library/{library_id} is not known")
    request = read_operation(body)
    known = _out_defines(pkg)
    unknown = [e for e in request.expressions if e not in known]
    if unknown:
        raise InputRefused("Parameters", f"the Library has no define {unknown[0]!r}")
    names = list(request.expressions) or known
    patient = _patient(pkg, request)
    with pkg.lock:
        evaluation = evaluate_patient(patient, start=request.start, as_of=request.as_of or today,
                                      context=pkg.context, expressions=names)
    return results_parameters({name: evaluation.results[name] for name in names})
