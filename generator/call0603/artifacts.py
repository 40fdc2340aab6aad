"""The built package as evaluation reads it: a FHIR NPM package (.tgz), its unpacked folder, or a build folder.

Evaluation (assess, apply, cohort) needs the Libraries' ELM, the PlanDefinition, the ActivityDefinitions, the
ValueSets and the guideline's settings; the package carries them all (the settings as `package/other/guideline.json`),
so `guideline/` and a git checkout are never read. The default is the package installed with call0603 (a wheel
carries it as package data), else the repository's `release/` in a checkout.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from . import paths
from .guideline.document import PACKAGE_PATH, guideline_from_json
from .guideline.model import Guideline

#: Where a wheel carries the built package (copied from release/ when the wheel is built: see setup.py).
INSTALLED = paths.PACKAGE / "_package"
MANIFEST = "package/package.json"


class PackageError(RuntimeError):
    """The package cannot be loaded (missing, not a FHIR package, or not one of call0603's); run `call0603 build`."""


@dataclass(frozen=True)
class BuiltPackage:
    """The resources of one built package, by file name, and the guideline it was built from."""

    origin: Path
    guideline: Guideline
    resources: tuple[Mapping[str, Any], ...]

    def of_type(self, resource_type: str) -> list[Mapping[str, Any]]:
        """Every resource of one type, in file-name order."""
        return [r for r in self.resources if r.get("resourceType") == resource_type]


def _tgz_files(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(fileobj=io.BytesIO(path.read_bytes()), mode="r:gz") as tar:
            return {m.name.removeprefix("./"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    except (OSError, tarfile.TarError) as e:
        raise PackageError(f"{path} is not a readable FHIR package (.tgz): {e}") from None


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {f"package/{p.relative_to(folder).as_posix()}": p.read_bytes() for p in sorted(folder.rglob("*.json"))}


def _only_tgz(folder: Path) -> Path:
    found = sorted(folder.glob("*.tgz"))
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise PackageError(f"{what} FHIR package (.tgz) in {folder}: expected exactly one; run `call0603 build`")
    return found[0]


def package_files(path: Path) -> dict[str, bytes]:
    """The package's files by path inside the package (`package/...`), from a .tgz or a folder."""
    if path.is_file():
        return _tgz_files(path)
    if not path.is_dir():
        raise PackageError(f"{path} is missing: give a FHIR package (.tgz), its folder, or a `call0603 build --out` folder")
    if (path / MANIFEST).is_file():
        return _folder_files(path / "package")
    if (path / "package.json").is_file():
        return _folder_files(path)
    if (path / "release").is_dir():
        return _tgz_files(_only_tgz(path / "release"))
    return _tgz_files(_only_tgz(path))


def read_package(path: Path) -> BuiltPackage:
    """The package at `path`: its resources (package root only) and the guideline document it carries."""
    files = package_files(path)
    if PACKAGE_PATH not in files:
        raise PackageError(f"{path} carries no {PACKAGE_PATH}: not a call0603 package, or built by an older version")
    resources = []
    for name, data in sorted(files.items()):
        folder, _, file = name.rpartition("/")
        if folder != "package" or not file.endswith(".json") or file in ("package.json", ".index.json"):
            continue
        try:
            resource = json.loads(data)
        except ValueError as e:
            raise PackageError(f"{path}: {name} is not JSON: {e}") from None
        if isinstance(resource, dict) and "resourceType" in resource:
            resources.append(resource)
    try:
        guideline = guideline_from_json(files[PACKAGE_PATH])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise PackageError(f"{path}: {PACKAGE_PATH} is not a guideline document ({type(e).__name__}: {e})") from None
    return BuiltPackage(path, guideline, tuple(resources))


def default_package() -> Path:
    """The package installed with call0603 (in a wheel), else the repository's release/ (a checkout)."""
    if INSTALLED.is_dir():
        return _only_tgz(INSTALLED)
    return paths.REPO / "release"


@lru_cache(maxsize=4)
def load_package(path: Path | None = None) -> BuiltPackage:
    """`read_package` of `path` (default: `default_package()`), once per process."""
    return read_package(path if path is not None else default_package())
