"""The shareable metadata every knowledge artifact of the package carries (CRMI shareable + CPG capabilities)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..guideline.model import PackageInfo

CQF_KNOWLEDGE_CAPABILITY = "http://hl7.org/fhir/StructureDefinition/cqf-knowledgeCapability"
CQF_KNOWLEDGE_REPRESENTATION_LEVEL = "http://hl7.org/fhir/StructureDefinition/cqf-knowledgeRepresentationLevel"
CAPABILITIES: tuple[str, ...] = ("shareable", "computable", "publishable", "executable")
UCUM = "http://unitsofmeasure.org"
CQL_IDENTIFIER = "text/cql-identifier"


def canonical_url(package: PackageInfo, resource_type: str, resource_id: str) -> str:
    """`<canonical base>/<ResourceType>/<id>`: the canonical URL of one artifact."""
    return f"{package.canonical}/{resource_type}/{resource_id}"


def library_reference(package: PackageInfo) -> str:
    """`url|version` of the package's CQL Library (what `library` and `Expression.reference` hold)."""
    return f"{package.library_url}|{package.version}"


def citation(package: PackageInfo) -> dict[str, Any]:
    """The paper as a `relatedArtifact` of type citation."""
    return {"type": "citation", "citation": " ".join(package.citation.split()), "url": f"https://doi.org/{package.doi}"}


def json_number(value: Decimal) -> int | float:
    """A guideline decimal as a JSON number: an integer when whole (6000, not 6000.0), else its float (1.5)."""
    return int(value) if value == value.to_integral_value() else float(value)


def shareable(
    package: PackageInfo,
    resource_type: str,
    resource_id: str,
    *,
    name: str,
    title: str,
    description: str,
    profiles: tuple[str, ...],
) -> dict[str, Any]:
    """id, meta.profile, url, version, name, title, status, experimental, date, publisher, description, capabilities."""
    return {
        "resourceType": resource_type,
        "id": resource_id,
        "meta": {"profile": list(profiles)},
        "extension": [{"url": CQF_KNOWLEDGE_CAPABILITY, "valueCode": c} for c in CAPABILITIES]
        + [{"url": CQF_KNOWLEDGE_REPRESENTATION_LEVEL, "valueCode": "executable"}],
        "url": canonical_url(package, resource_type, resource_id),
        "version": package.version,
        "name": name,
        "title": title,
        "status": package.status,
        "experimental": package.experimental,
        "date": package.date,
        "publisher": package.publisher,
        "description": " ".join(description.split()),
        "relatedArtifact": [citation(package)],
    }


def days(value: int) -> dict[str, Any]:
    """A UCUM Duration of `value` days."""
    return {"value": value, "unit": "d", "system": UCUM, "code": "d"}


def cql_expression(package: PackageInfo, define: str) -> dict[str, Any]:
    """An Expression naming one define of the package Library (`text/cql-identifier` with `reference` set)."""
    return {"language": CQL_IDENTIFIER, "expression": define, "reference": library_reference(package)}
