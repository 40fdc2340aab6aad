"""`GET /fhir/metadata`: the CapabilityStatement naming the operations served and their OperationDefinitions."""

from __future__ import annotations

from typing import Any

from .. import __version__

APPLY = "http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply"
EVALUATE = "http://hl7.org/fhir/uv/cpg/OperationDefinition/cpg-library-evaluate"


def capability_statement(date: str, plan: dict[str, Any], library: dict[str, Any]) -> dict[str, Any]:
    """The server's CapabilityStatement (R4): PlanDefinition/$apply and Library/$evaluate, JSON only."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "call0603", "version": __version__},
        "implementation": {"description": f"{plan.get('title')}: $apply and $evaluate on the package's CQL"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "instantiates": [plan["url"]],
        "rest": [{
            "mode": "server",
            "resource": [
                {"type": "PlanDefinition",
                 "operation": [{"name": "apply", "definition": APPLY}]},
                {"type": "Library",
                 "operation": [{"name": "evaluate", "definition": EVALUATE}]},
            ],
        }],
    }
