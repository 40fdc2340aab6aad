"""The package's terminology resources: its own CodeSystems and one ValueSet per input concept (with expansion)."""

from __future__ import annotations

from typing import Any

from ..guideline.model import CodeSystemDef, Guideline, ValueSetDef

CODESYSTEM_PROFILES: tuple[str, ...] = ("http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablecodesystem",)
VALUESET_PROFILES: tuple[str, ...] = (
    "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablevalueset",
    "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-computablevalueset",
    "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-expandedvalueset",
)


def _metadata(guideline: Guideline, resource_type: str, resource_id: str, url: str, name: str, title: str,
              description: str, profiles: tuple[str, ...]) -> dict[str, Any]:
    p = guideline.package
    return {
        "resourceType": resource_type,
        "id": resource_id,
        "meta": {"profile": list(profiles)},
        "url": url,
        "version": p.version,
        "name": name,
        "title": title,
        "status": p.status,
        "experimental": p.experimental,
        "date": p.date,
        "publisher": p.publisher,
        "description": " ".join(description.split()),
    }


def code_system(guideline: Guideline, cs: CodeSystemDef) -> dict[str, Any]:
    """One of the package's own CodeSystems (complete content)."""
    resource = _metadata(guideline, "CodeSystem", cs.id, cs.url, cs.name, cs.title, cs.description, CODESYSTEM_PROFILES)
    resource.update({
        "caseSensitive": True,
        "content": "complete",
        "count": len(cs.concepts),
        "concept": [{"code": c.code, "display": c.display, "definition": c.definition} for c in cs.concepts],
    })
    return resource


def value_set(guideline: Guideline, vs: ValueSetDef) -> dict[str, Any]:
    """A ValueSet listing the codes of one input concept, composed by system and pre-expanded."""
    own = {cs.url for cs in guideline.terminology.code_systems}
    version = guideline.package.version
    description = f"The codes the package accepts for {vs.title[0].lower() + vs.title[1:]} (input contract). Data are matched on system and code."
    resource = _metadata(guideline, "ValueSet", vs.id, vs.url, vs.name, vs.title, description, VALUESET_PROFILES)
    includes: dict[str, dict[str, Any]] = {}
    for c in vs.codes:
        include = includes.setdefault(c.system, {"system": c.system, **({"version": version} if c.system in own else {}), "concept": []})
        include["concept"].append({"code": c.code, "display": c.display})
    resource["compose"] = {"include": list(includes.values())}
    resource["expansion"] = {
        "timestamp": f"{guideline.package.date}T00:00:00Z",
        "total": len(vs.codes),
        "contains": [
            {"system": c.system, "version": version if c.system in own else guideline.terminology.version_of(c.system),
             "code": c.code, "display": c.display}
            for c in vs.codes
        ],
    }
    return resource


def build_terminology(guideline: Guideline) -> list[dict[str, Any]]:
    """Every CodeSystem and ValueSet of the package, in guideline order (CodeSystems first)."""
    terms = guideline.terminology
    return [*(code_system(guideline, cs) for cs in terms.code_systems), *(value_set(guideline, vs) for vs in terms.value_sets)]
