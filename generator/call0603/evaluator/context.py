"""The package as the evaluator runs it: the built package's ELM compiled once, its plan, activities and value sets."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import orjson

from .. import paths
from ..artifacts import BuiltPackage, PackageError, load_package
from ..cql import Engine, Terminology
from ..guideline.model import Guideline
from ..guideline.report import report_defines
from ..paths import FHIRHELPERS_ELM, SUPPORT
from .apply import activity_index

__all__ = ["ELM_TYPE", "EvaluationContext", "PackageError", "load_context"]

ELM_TYPE = "application/elm+json"
#: The project's FHIRHelpers ELM, which the evaluator runs (the package declares FHIRHelpers, it does not ship it).
FHIRHELPERS = paths.PACKAGE / Path(FHIRHELPERS_ELM).relative_to(Path(SUPPORT).parents[1])


@dataclass(frozen=True)
class EvaluationContext:
    """Everything evaluation needs, built once per process and shared by every patient."""

    guideline: Guideline
    engine: Engine
    library: str
    library_canonicals: frozenset[str]
    plan: Mapping[str, Any]
    activities: Mapping[str, Mapping[str, Any]]
    terminology: Terminology
    report_defines: Mapping[str, str]
    library_hash: str

    @property
    def data_problem_url(self) -> str:
        """The extension the reading layer puts on a resource it could not take as it stands."""
        return self.guideline.package.data_problem_url


def _elm(library: Mapping[str, Any]) -> bytes:
    for content in library.get("content", []):
        if content.get("contentType") == ELM_TYPE and "data" in content:
            return base64.b64decode(content["data"])
    raise PackageError(f"Library {library.get('url')} carries no {ELM_TYPE}")


def _plan(package: BuiltPackage) -> Mapping[str, Any]:
    url = package.guideline.package.plan_definition_url
    for plan in package.of_type("PlanDefinition"):
        if plan.get("url") == url:
            return plan
    raise PackageError(f"{package.origin} holds no PlanDefinition {url}")


def load_context(package: Path | None = None) -> EvaluationContext:
    """Compile the package's Libraries with FHIRHelpers and index its plan (default: the installed package)."""
    built = load_package(package)
    guideline = built.guideline
    p = guideline.package
    libraries = built.of_type("Library")
    if not libraries:
        raise PackageError(f"no Library in {built.origin}: run `call0603 build`")
    elm_bytes = [_elm(lib) for lib in libraries]
    try:
        fhirhelpers = FHIRHELPERS.read_bytes()
    except FileNotFoundError:
        raise PackageError(f"{FHIRHELPERS} is missing: run `call0603 build`") from None
    digest = hashlib.sha256()
    for blob in (*elm_bytes, fhirhelpers):
        digest.update(hashlib.sha256(blob).digest())
    engine = Engine([orjson.loads(fhirhelpers), *(orjson.loads(b) for b in elm_bytes)])
    canonicals = {lib["url"] for lib in libraries} | {f"{lib['url']}|{lib['version']}" for lib in libraries}
    return EvaluationContext(
        guideline=guideline,
        engine=engine,
        library=p.library_name,
        library_canonicals=frozenset(canonicals),
        plan=_plan(built),
        activities=activity_index(built.of_type("ActivityDefinition")),
        terminology=Terminology.from_resources(built.of_type("ValueSet")),
        report_defines=report_defines(guideline),
        library_hash=digest.hexdigest(),
    )

