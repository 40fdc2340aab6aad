"""The package's Library resources: each CQL (base64 text/cql) with the reference translator's ELM, parameters, data
requirements and dependencies, conforming to the CQL IG `cql-library` profile and CRMI shareable metadata.

Two libraries: the main library (parameters, retrieves, every decision and plan condition) and the common library it
includes (functions over FHIR data and the per-day rules). Kept apart, each ELM stays well under the 1 MiB a FHIR
string may hold on servers such as medplum. FHIRHelpers is a declared dependency, not shipped."""

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

#: The elements the package reads of each resource type (dataRequirement.mustSupport), per docs/input-contract.md.
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


#: The library name of FHIRHelpers, as the package CQL includes it.
FHIRHELPERS = "FHIRHelpers"


@lru_cache(maxsize=8)
def _translate(names: tuple[str, ...], sources: tuple[tuple[str, str], ...]) -> dict[str, Translation]:
    return translate(dict(sources), list(names), options=PACKAGE_OPTIONS)


def _compile(guideline: Guideline, wanted: tuple[str, ...]) -> list[CompiledLibrary]:
    p = guideline.package
    names = (p.library_name, p.common_library_name, FHIRHELPERS)
    sources = library_sources(guideline)
    translations = _translate(names, tuple(sorted(sources.items())))
    compiled = []
    for name in wanted:
        translation = translations[name]
        if not translation.clean or translation.elm is None:
            raise CqlBuildError(name, sources[name], translation)
        compiled.append(CompiledLibrary(name, sources[name], elm_info.without_empty_annotations(translation.elm)))
    return compiled


def compile_libraries(guideline: Guideline) -> list[CompiledLibrary]:
    """Render and translate the main and common libraries (in that order); CqlBuildError on any error or warning."""
    p = guideline.package
    return _compile(guideline, (p.library_name, p.common_library_name))


def compile_fhirhelpers(guideline: Guideline) -> CompiledLibrary:
    """The project's FHIRHelpers, translated in the same batch: the evaluator runs it (it is never shipped)."""
    return _compile(guideline, (FHIRHELPERS,))[0]


def compile_library(guideline: Guideline) -> CompiledLibrary:
    """The main library, compiled (see `compile_libraries`)."""
    return compile_libraries(guideline)[0]


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
    includes = {i["path"] for i in elm["library"].get("includes", {}).get("def", [])}
    if p.common_library_name in includes:
        related.append({"type": "depends-on", "display": p.common_library_name, "resource": f"{p.common_library_url}|{version}"})
    systems = {url: name for name, url in elm_info.code_system_urls(elm).items()}
    used_value_sets = set(elm_info.value_set_urls(elm).values())
    for vs in guideline.terminology.value_sets:
        if vs.url in used_value_sets:
            for cs in guideline.terminology.code_systems:
                if any(c.system == cs.url for c in vs.codes):
                    systems.setdefault(cs.url, cs.title)
    for url, name in sorted(systems.items()):
        related.append({"type": "depends-on", "display": f"Code system {name}", "resource": f"{url}|{version}" if url in own else url})
    for name, url in sorted(elm_info.value_set_urls(elm).items(), key=lambda kv: kv[1]):
        related.append({"type": "depends-on", "display": f"Value set {name}", "resource": f"{url}|{version}"})
    return related


def _library(guideline: Guideline, compiled: CompiledLibrary, library_id: str, title: str, description: str) -> dict[str, Any]:
    p = guideline.package
    library = shareable(p, "Library", library_id, name=compiled.name, title=title, description=description, profiles=LIBRARY_PROFILES)
    library["type"] = LIBRARY_TYPE
    library["relatedArtifact"] = library.get("relatedArtifact", []) + _related_artifacts(guideline, compiled.elm)
    parameters = _parameters(guideline, compiled.elm) if compiled.name == p.library_name else []
    if parameters:
        library["parameter"] = parameters
    requirements = _data_requirements(guideline, compiled.elm)
    if requirements:
        library["dataRequirement"] = requirements
    library["content"] = [
        {"id": "cql", "contentType": "text/cql", "data": _base64(compiled.cql.encode("utf-8"))},
        {"id": "elm", "contentType": "application/elm+json", "data": _base64(elm_json(compiled.elm))},
    ]
    return library


def build_library_resources(guideline: Guideline) -> list[dict[str, Any]]:
    """The package's Library resources: the main library, then the common library it includes."""
    p = guideline.package
    main, common = compile_libraries(guideline)
    return [
        _library(guideline, main, p.library_id, p.library_title, (
            f"The decisions of the {p.title}: eligibility, relapse timing, risk and cytogenetic groups, CNS status, "
            "body surface area and ordered doses, marrow status by study day, the idarubicin withholding rule, CR2, "
            "early response and CTCAE hematologic toxicity, plus the PlanDefinition's applicability conditions."
        )),
        _library(guideline, common, p.common_library_id, p.common_library_title, (
            f"Functions over FHIR R4 data (seen results, UCUM conversion, latest result, condition dates and sites) and "
            f"the rules the {p.library_name} library applies per study day (marrow status, the idarubicin withholding "
            "rule, CTCAE grades). No parameters and no retrieves: every input is passed in."
        )),
    ]
