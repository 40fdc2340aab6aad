"""Where every artifact lives in the repository, and writing them there (the only module here that writes files).

Layout (repository-relative):
- `plandefinitions/`: the PlanDefinition and its ActivityDefinitions (`<ResourceType>-<id>.json`).
- `library/`: the Library, the CodeSystems and ValueSets (`<ResourceType>-<id>.json`), plus the Library's CQL and
  ELM decoded for review (`Library-<id>.cql`, `Library-<id>.elm.json`; the Library resource is what counts).
- `docs/rules.md`: the clinical rules page, generated from guideline/.
- `release/`: the transaction Bundle (`Bundle-<id>.json`) and the FHIR NPM package (`<npm name>-<version>.tgz`).
- `generator/call0603/authoring/cql/FHIRHelpers-4.0.1.elm.json`: the ELM of the project's FHIRHelpers, beside its CQL.
  Not part of the package (which declares the official FHIRHelpers as a dependency): the built-in evaluator runs
  it, so evaluating needs Python only.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..paths import FHIRHELPERS_ELM, SUPPORT
from .serialize import file_name, to_json_bytes

#: The folder of each resource type.
FOLDERS: dict[str, str] = {
    "PlanDefinition": "plandefinitions",
    "ActivityDefinition": "plandefinitions",
    "Library": "library",
    "CodeSystem": "library",
    "ValueSet": "library",
}
RELEASE = "release"

#: Files the build owns in its folders: anything matching that the build did not produce is stale and removed.
GENERATED = {
    "plandefinitions": re.compile(r"^(PlanDefinition|ActivityDefinition)-[A-Za-z0-9.\-]+\.json$"),
    "library": re.compile(r"^(Library|CodeSystem|ValueSet)-[A-Za-z0-9.\-]+\.(json|cql)$"),
    RELEASE: re.compile(r"^(Bundle-[A-Za-z0-9.\-]+\.json|[A-Za-z0-9.\-]+\.tgz)$"),
    SUPPORT: re.compile(r"^FHIRHelpers-[0-9.]+\.elm\.json$"),
    "docs": re.compile(r"^rules\.md$"),
}


def resource_path(resource: Mapping[str, Any]) -> str:
    """The repository-relative path of one resource's JSON file."""
    kind = resource["resourceType"]
    if kind not in FOLDERS:
        raise ValueError(f"no folder for resource type {kind}")
    return f"{FOLDERS[kind]}/{file_name(dict(resource))}"


def _attachment(library: Mapping[str, Any], content_type: str) -> bytes | None:
    for content in library.get("content", []):
        if content.get("contentType") == content_type and "data" in content:
            return base64.b64decode(content["data"])
    return None


def library_sources(library: Mapping[str, Any]) -> dict[str, bytes]:
    """The CQL and ELM a Library carries, decoded into readable files beside it."""
    stem = f"library/Library-{library['id']}"
    files: dict[str, bytes] = {}
    cql = _attachment(library, "text/cql")
    if cql is not None:
        files[f"{stem}.cql"] = cql if cql.endswith(b"\n") else cql + b"\n"
    elm = _attachment(library, "application/elm+json")
    if elm is not None:
        files[f"{stem}.elm.json"] = to_json_bytes(json.loads(elm))
    return files


def artifact_files(
    resources: Iterable[Mapping[str, Any]],
    *,
    bundle: Mapping[str, Any],
    package_name: str,
    package_tgz: bytes,
    fhirhelpers_elm: Mapping[str, Any],
    docs: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """Every file the build writes, by repository-relative path, in sorted order."""
    files: dict[str, bytes] = {FHIRHELPERS_ELM: to_json_bytes(fhirhelpers_elm)}
    files.update({path: page.encode("utf-8") for path, page in (docs or {}).items()})
    for resource in resources:
        path = resource_path(resource)
        if path in files:
            raise ValueError(f"two resources would be written to {path}")
        files[path] = to_json_bytes(resource)
        if resource["resourceType"] == "Library":
            files.update(library_sources(resource))
    files[f"{RELEASE}/{file_name(dict(bundle))}"] = to_json_bytes(bundle)
    files[f"{RELEASE}/{package_name}.tgz"] = package_tgz
    return dict(sorted(files.items()))


def owned_files(root: Path) -> set[str]:
    """The files under `root` that the build owns (generated-name files in its folders)."""
    owned: set[str] = set()
    for folder, pattern in GENERATED.items():
        directory = root / folder
        if directory.is_dir():
            owned.update(f"{folder}/{p.name}" for p in directory.iterdir() if p.is_file() and pattern.match(p.name))
    return owned


def write_files(files: Mapping[str, bytes], root: Path) -> list[str]:
    """Write `files` under `root` (only those whose bytes changed), remove stale owned files; return what changed."""
    changed: list[str] = []
    for path, data in files.items():
        target = root / path
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed.append(path)
    for path in sorted(owned_files(root) - set(files)):
        (root / path).unlink()
        changed.append(path)
    return changed
