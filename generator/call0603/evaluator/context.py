"""The package as the evaluator runs it: its committed ELM compiled once, its plan, activities and value sets."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import orjson

from .. import paths
from ..build.cql import report_defines
from ..build.write import FHIRHELPERS_ELM
from ..cql import Engine, Terminology
from ..guideline import load_guideline
from ..guideline.model import Guideline
from .apply import activity_index

ELM_TYPE = "application/elm+json"


class PackageError(RuntimeError):
    """The committed package cannot be loaded (a file missing or not the package's); run `call0603 build`."""


@dataclass(frozen=True)
class EvaluationContext:
    """Everything evaluation needs, built once per process and shared by every patient."""

    guideline: Guideline
    engine: Engine
    library: str
    library_canonicals: frozenset[str]
    plan: dict[str, Any]
    activities: Mapping[str, dict[str, Any]]
    terminology: Terminology
    report_defines: Mapping[str, str]
    library_hash: str

    @property
    def data_problem_url(self) -> str:
        """The extension the reading layer puts on a resource it could not take as it stands."""
        return self.guideline.package.data_problem_url


def _read(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise PackageError(f"{path} is missing: run `call0603 build`") from None


def _elm(library: Mapping[str, Any]) -> bytes:
    for content in library.get("content", []):
        if content.get("contentType") == ELM_TYPE and "data" in content:
            return base64.b64decode(content["data"])
    raise PackageError(f"Library {library.get('url')} carries no {ELM_TYPE}")


def load_context(root: Path = paths.REPO) -> EvaluationContext:
    """Compile the package's Libraries (as committed in library/) with FHIRHelpers, and index its plan."""
    guideline = load_guideline(root / "guideline")
    p = guideline.package
    libraries = [r for r in (_read(f) for f in sorted((root / "library").glob("Library-*.json"))
                             if not f.name.endswith(".elm.json")) if r.get("resourceType") == "Library"]
    if not libraries:
        raise PackageError(f"no Library in {root / 'library'}: run `call0603 build`")
    elm_bytes = [_elm(lib) for lib in libraries]
    fhirhelpers = (root / FHIRHELPERS_ELM).read_bytes() if (root / FHIRHELPERS_ELM).exists() else None
    if fhirhelpers is None:
        raise PackageError(f"{root / FHIRHELPERS_ELM} is missing: run `call0603 build`")
    digest = hashlib.sha256()
    for blob in (*elm_bytes, fhirhelpers):
        digest.update(hashlib.sha256(blob).digest())
    engine = Engine([orjson.loads(fhirhelpers), *(orjson.loads(b) for b in elm_bytes)])
    value_sets = [_read(f) for f in sorted((root / "library").glob("ValueSet-*.json"))]
    plan = _read(root / "plandefinitions" / f"PlanDefinition-{p.id}.json")
    activities = [_read(f) for f in sorted((root / "plandefinitions").glob("ActivityDefinition-*.json"))]
    canonicals = {lib["url"] for lib in libraries} | {f"{lib['url']}|{lib['version']}" for lib in libraries}
    return EvaluationContext(
        guideline=guideline,
        engine=engine,
        library=p.library_name,
        library_canonicals=frozenset(canonicals),
        plan=plan,
        activities=activity_index(activities),
        terminology=Terminology.from_resources(value_sets),
        report_defines=report_defines(guideline),
        library_hash=digest.hexdigest(),
    )
