"""The FHIR NPM package (`package/package.json`, the resources, `package/.index.json`) as a deterministic .tgz."""

from __future__ import annotations

import calendar
import gzip
import io
import tarfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping

from .serialize import file_name, to_json_bytes

#: Elements a package index entry copies from a resource when present (FHIR package spec, .index.json).
INDEX_FIELDS: tuple[str, ...] = ("url", "version", "kind", "type", "supplements", "content", "valueSet", "derivation")


@dataclass(frozen=True)
class PackageManifest:
    """What package.json says: the FHIR package fields IG tooling and HAPI's package loader read."""

    name: str
    version: str
    title: str
    description: str
    author: str
    canonical: str
    date: str
    fhir_version: str = "4.0.1"
    license: str = "Apache-2.0"
    dependencies: Mapping[str, str] = field(default_factory=lambda: {"hl7.fhir.r4.core": "4.0.1"})

    def to_json(self) -> dict[str, Any]:
        """The package.json object."""
        return {
            "name": self.name,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "author": self.author,
            "canonical": self.canonical,
            "url": self.canonical,
            "date": self.date.replace("-", "") + "000000",
            "fhirVersions": [self.fhir_version],
            "dependencies": dict(sorted(self.dependencies.items())),
            "license": self.license,
            "type": "fhir.ig",
        }


def index_entry(resource: dict[str, Any]) -> dict[str, Any]:
    """One `.index.json` file entry: filename, resourceType, id and the canonical fields the resource has."""
    entry = {"filename": file_name(resource), "resourceType": resource["resourceType"], "id": resource["id"]}
    for name in INDEX_FIELDS:
        value = resource.get(name)
        if isinstance(value, (str, bool, int)):
            entry[name] = value
    return entry


def package_files(manifest: PackageManifest, resources: Iterable[dict[str, Any]]) -> dict[str, bytes]:
    """Every file of the package by its path inside the tarball (all under `package/`)."""
    ordered = sorted(resources, key=lambda r: (r["resourceType"], r["id"]))
    files = {f"package/{file_name(r)}": to_json_bytes(r) for r in ordered}
    if len(files) != len(ordered):
        raise ValueError("two resources of the package share a file name")
    index = {"index-version": 2, "files": [index_entry(r) for r in ordered]}
    files["package/.index.json"] = to_json_bytes(index)
    files["package/package.json"] = to_json_bytes(manifest.to_json())
    return dict(sorted(files.items()))


def _epoch(day: str) -> int:
    return calendar.timegm(date.fromisoformat(day).timetuple())


def build_tgz(files: Mapping[str, bytes], *, mtime_date: str) -> bytes:
    """A gzip'd tar of `files`: sorted entries, fixed mtime (the package date), root owner, mode 0644, no gzip name."""
    mtime = _epoch(mtime_date)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(files[name]))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def read_tgz(data: bytes) -> dict[str, bytes]:
    """The files of a package tarball by path (for checks and tests)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
