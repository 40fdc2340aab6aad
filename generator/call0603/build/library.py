"""The package's Library resource: its CQL (base64 text/cql) and the reference translator's ELM, with parameters,
data requirements and dependencies, conforming to the CQL IG `cql-library` profile and CRMI shareable metadata."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..guideline.model import Guideline
from ..translator import PACKAGE_OPTIONS, Translation, translate
from . import elm as elm_info
from .cql import library_sources
from .metadata import shareable

#: Profiles the Library claims: the CQL IG library profile and CRMI shareable / computable library.
LIBRARY_PROFILES: tuple[str, ...] = (
    "http://hl7.org/fhir/uv/cql/StructureDefinition/cql-library",
    "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablelibrary",
    "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-computablelibrary",
)
LIBRARY_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}]}

#: The elements the package reads of each resource type (dataRequirement.mustSupport), per input-contract.md.
MUST_SUPPORT: dict[str, tuple[str, ...]] = {
    "Observation": ("code", "status", "effective", "value", "referenceRange"),
    "Condition": ("code", "clinicalStatus", "verificationStatus", "onset", "recordedDate", "bodySite"),
    "CarePlan": ("status", "instantiatesCanonical", "period"),
    "Patient": ("birthDate", "deceased"),
}


class CqlBuildError(RuntimeError):
    """The package CQL did not translate cleanly: every translator error and warning, with its CQL line."""

    def __init__(self, library: str, cql: str, translation: Translation) -> None:
        lines = cql.splitlines()
        parts = [f"{library}: the reference translator reported {len(translation.errors)} error(s) and {len(translation.warnings)} warning(s)"]
        for message in (*translation.errors, *translation.warnings):
            parts.append(f"  {message}")
            if message.line is not None and 0 < message.line <= len(lines):
                parts.append(f"    {message.line:5d} | {lines[message.line - 1]}")
        super().__init__("\n".join(parts))
        self.translation = translation


@dataclass(frozen=True)
class CompiledLibrary:
    """The package library's CQL and its ELM (clean: no translator error or warning)."""

    name: str
    cql: str
    elm: dict[str, Any]


@lru_cache(maxsize=8)
def _translate(name: str, sources: tuple[tuple[str, str], ...]) -> Translation:
    return translate(dict(sources), [name], options=PACKAGE_OPTIONS)[name]


def compile_library(guideline: Guideline) -> CompiledLibrary:
    """Render and translate the package CQL; raise CqlBuildError on any translator error or warning."""
    name = guideline.package.library_name
    sources = library_sources(guideline)
    translation = _translate(name, tuple(sorted(sources.items())))
    if not translation.clean or translation.elm is None:
        raise CqlBuildError(name, sources[name], translation)
    return CompiledLibrary(name, sources[name], translation.elm)


def elm_json(elm: dict[str, Any]) -> bytes:
    """The ELM as the Library carries it: compact JSON with sorted keys (byte-stable)."""
    return json.dumps(elm, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _parameters(guideline: Guideline, elm: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": p.name, "use": p.use, "min": 0, "max": "1", "type": p.type.lower(), "documentation": p.description}
        for p in guideline.package.parameters
    ]
    for define in elm_info.defines(elm):
        params.append({"name": define.name, "use": "out", "min": 0, "max": "*" if define.is_list else "1", "type": define.fhir_type})
    return params


def _data_requirements(guideline: Guideline, elm: dict[str, Any]) -> list[dict[str, Any]]:
    urls = elm_info.value_set_urls(elm)
    version = guideline.package.version
    requirements: list[dict[str, Any]] = []
    for retrieve in elm_info.retrieves(elm):
        requirement: dict[str, Any] = {"type": retrieve.data_type}
        if retrieve.data_type in MUST_SUPPORT:
            requirement["mustSupport"] = list(MUST_SUPPORT[retrieve.data_type])
        if retrieve.value_set is not None:
            requirement["codeFilter"] = [{"path": retrieve.code_property, "valueSet": f"{urls[retrieve.value_set]}|{version}"}]
        requirements.append(requirement)
    return requirements


def _related_artifacts(guideline: Guideline, elm: dict[str, Any]) -> list[dict[str, Any]]:
    p = guideline.package
    version = p.version
    own = {cs.url for cs in guideline.terminology.code_systems}
    related = [{"type": "depends-on", "display": "FHIRHelpers", "resource": p.fhirhelpers_canonical}]
    for name, url in sorted(elm_info.code_system_urls(elm).items(), key=lambda kv: kv[1]):
        related.append({"type": "depends-on", "display": f"Code system {name}", "resource": f"{url}|{version}" if url in own else url})
    for name, url in sorted(elm_info.value_set_urls(elm).items(), key=lambda kv: kv[1]):
        related.append({"type": "depends-on", "display": f"Value set {name}", "resource": f"{url}|{version}"})
    return related


def build_library_resources(guideline: Guideline) -> list[dict[str, Any]]:
    """The package's Library resources (the one main Library; FHIRHelpers is a declared dependency, not shipped)."""
    p = guideline.package
    compiled = compile_library(guideline)
    library = shareable(
        p, "Library", p.library_id, name=p.library_name, title=p.library_title,
        description=(
            f"The decisions of the {p.title}: eligibility, relapse timing, risk and cytogenetic groups, CNS status, "
            "body surface area and ordered doses, marrow status by study day, the idarubicin withholding rule, CR2, "
            "early response and CTCAE hematologic toxicity, plus the PlanDefinition's applicability conditions."
        ),
        profiles=LIBRARY_PROFILES,
    )
    library["type"] = LIBRARY_TYPE
    library["relatedArtifact"] = library.get("relatedArtifact", []) + _related_artifacts(guideline, compiled.elm)
    library["parameter"] = _parameters(guideline, compiled.elm)
    library["dataRequirement"] = _data_requirements(guideline, compiled.elm)
    library["content"] = [
        {"id": "cql", "contentType": "text/cql", "data": _base64(compiled.cql.encode("utf-8"))},
        {"id": "elm", "contentType": "application/elm+json", "data": _base64(elm_json(compiled.elm))},
    ]
    return [library]
