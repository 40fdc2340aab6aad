"""The package as the service serves it: the evaluator's compiled context, the Library and PlanDefinition resources
clients name, and the prefetch templates their dataRequirements give."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import orjson

from .. import paths
from ..collector import settle
from ..evaluator.context import EvaluationContext, PackageError, load_context
from .cards import drug_groups
from .datasource import prefetch_templates


@dataclass(frozen=True)
class ServedPackage:
    """Everything the service answers from, loaded once at start-up."""

    context: EvaluationContext
    library: dict[str, Any]
    templates: Mapping[str, str]
    drug_groups: Mapping[str, set[tuple[str, str]]]
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

    @property
    def plan(self) -> dict[str, Any]:
        """The package's PlanDefinition."""
        return self.context.plan


def _main_library(root: Path, canonical: str) -> dict[str, Any]:
    url, _, version = canonical.partition("|")
    for path in sorted((root / "library").glob("Library-*.json")):
        if path.name.endswith(".elm.json"):
            continue
        library = orjson.loads(path.read_bytes())
        if library.get("url") == url and (not version or library.get("version") == version):
            return library
    raise PackageError(f"the PlanDefinition's Library {canonical} is not in {root / 'library'}")


def main_library(context: EvaluationContext, root: Path = paths.REPO) -> dict[str, Any]:
    """The Library resource the package's PlanDefinition names first (its dataRequirements, its defines)."""
    return _main_library(root, context.plan["library"][0])


def templates_of(library: Mapping[str, Any]) -> dict[str, str]:
    """The queries that read a patient's data for a Library: its dataRequirements as prefetch templates."""
    return prefetch_templates(library.get("dataRequirement") or [])


def load_package(root: Path = paths.REPO) -> ServedPackage:
    """Compile the package at `root` once and index what the service needs from it."""
    context = load_context(root)
    settle()  # the compiled package lives as long as the service
    library = main_library(context, root)
    return ServedPackage(context, library, templates_of(library), drug_groups(context.plan, context.activities))
