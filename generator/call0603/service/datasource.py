"""One patient's data from wherever a request says it is: a Bundle in the request, a CDS Hooks prefetch, or a FHIR
server; every path ends in the evaluator's own patient selection, so the same refusals apply to each."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from ..evaluator.inputs import InputRefused, PatientInput, patient_from_bundle, select_patient
from .fhirclient import FhirClient, FhirServerError

_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z][A-Za-z0-9]*)\s*\}\}")


class DataUnavailable(Exception):
    """A prefetch the service needs was not sent and there is no FHIR server to read it from."""


def prefetch_templates(data_requirements: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """CDS Hooks prefetch templates covering a Library's dataRequirements: the Patient read, one search per type.

    Code filters are not turned into `code:in` searches (few servers expand a ValueSet in a search); the CQL's own
    retrieves filter by code, so a broader prefetch changes no result.
    """
    templates: dict[str, str] = {}
    for requirement in data_requirements:
        kind = requirement.get("type")
        if not isinstance(kind, str) or kind.lower() in templates:
            continue
        templates[kind.lower()] = ("Patient/{{context.patientId}}" if kind == "Patient"
                                   else f"{kind}?subject=Patient/{{{{context.patientId}}}}")
    return templates


def fill(template: str, context: Mapping[str, Any]) -> str:
    """A prefetch template with its `{{context.name}}` tokens replaced by the hook context's values."""
    def value(match: re.Match[str]) -> str:
        found = context.get(match.group(1))
        if not isinstance(found, str) or not found:
            raise InputRefused("context", f"the prefetch template needs context.{match.group(1)}")
        return found
    return _TOKEN.sub(value, template)


def resources_of(document: Any) -> list[dict[str, Any]]:
    """The resources of a prefetch value: a Bundle's entries, or the resource itself."""
    if not isinstance(document, dict):
        return []
    if document.get("resourceType") == "Bundle":
        return [e["resource"] for e in document.get("entry") or []
                if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    return [document] if isinstance(document.get("resourceType"), str) else []


def read_server(client: FhirClient, queries: Iterable[str], source: str) -> list[dict[str, Any]]:
    """The resources the queries find on a FHIR server; a server that cannot be read refuses the data by name."""
    try:
        return client.read_all(list(queries))
    except FhirServerError as e:
        if e.status == 404:
            return []
        raise InputRefused(source, f"the FHIR server cannot be read: {e}") from None


def patient_from_server(client: FhirClient, templates: Mapping[str, str], subject: str) -> PatientInput:
    """One patient's data read from a FHIR server with the prefetch templates."""
    pid = subject.removeprefix("Patient/")
    queries = [fill(t, {"patientId": pid}) for t in templates.values()]
    return select_patient(read_server(client, queries, client.base), pid, client.base)


def patient_from_prefetch(
    prefetch: Mapping[str, Any] | None,
    templates: Mapping[str, str],
    context: Mapping[str, Any],
    client: FhirClient | None,
) -> PatientInput:
    """The hook's patient from the prefetch; what it lacks is read from the FHIR server, or DataUnavailable."""
    prefetch = prefetch or {}
    missing = [k for k in templates if prefetch.get(k) is None]
    resources = [r for k in templates if prefetch.get(k) is not None for r in resources_of(prefetch[k])]
    source = "prefetch"
    if missing:
        if client is None:
            raise DataUnavailable(f"prefetch {', '.join(missing)} not sent and no fhirServer to read it from")
        resources += read_server(client, [fill(templates[k], context) for k in missing], client.base)
        source = "prefetch" if len(missing) < len(templates) else client.base
    return select_patient(resources, str(context.get("patientId") or ""), source)


def patient_from_request(
    data: Any, client: FhirClient | None, templates: Mapping[str, str], subject: str | None
) -> PatientInput:
    """An operation's patient: the `data` Bundle, the `dataEndpoint` server, or both together."""
    if client is None:
        return patient_from_bundle(data, subject, "Parameters.data")
    if subject is None:
        raise InputRefused("Parameters", "subject is required to read from a dataEndpoint")
    from_server = patient_from_server(client, templates, subject)
    if data is None:
        return from_server
    in_request = patient_from_bundle(data, subject, "Parameters.data")
    seen = {(r.get("resourceType"), r.get("id")) for r in in_request.resources}
    extra = [r for r in from_server.resources if (r.get("resourceType"), r.get("id")) not in seen]
    return select_patient([*in_request.resources, *extra], subject, "Parameters.data")
