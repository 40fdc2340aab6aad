"""The package's canonical URLs (PlanDefinition, CodeSystems), read from the built artifact or the guideline's package settings."""

from __future__ import annotations

import functools
import json

import yaml

from .. import paths


@functools.lru_cache(maxsize=1)
def canonical_base() -> str:
    """The package's canonical base, `canonical` of `guideline/package.yaml`."""
    return yaml.safe_load((paths.GUIDELINE / "package.yaml").read_text())["canonical"].rstrip("/")


@functools.lru_cache(maxsize=1)
def plan_definition_url() -> str:
    """`PlanDefinition.url` of the built artifact in `plandefinitions/`, else `<canonical>/PlanDefinition/<id>` from the guideline."""
    for path in sorted(paths.PLANDEFINITIONS.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc.get("resourceType") == "PlanDefinition" and isinstance(doc.get("url"), str):
            return doc["url"]
    package = yaml.safe_load((paths.GUIDELINE / "package.yaml").read_text())
    return f"{canonical_base()}/PlanDefinition/{package['plan_definition']['id']}"


def code_system_url(code_system_id: str) -> str:
    """The URL of one of the package's CodeSystems (`marrow-status`, `cytogenetics`, `findings`)."""
    return f"{canonical_base()}/CodeSystem/{code_system_id}"
