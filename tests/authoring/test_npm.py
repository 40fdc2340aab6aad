"""The FHIR NPM package: package.json fields, .index.json entries, a deterministic tarball."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest

from call0603.authoring.npm import PackageManifest, build_tgz, index_entry, package_files, read_tgz

MANIFEST = PackageManifest(
    name="org.example.pkg", version="1.2.3", title="T", description="D", author="A",
    canonical="http://fhir.example.org", date="2025-01-15",
)
RESOURCES = [
    {"resourceType": "ValueSet", "id": "vs", "url": "http://fhir.example.org/ValueSet/vs", "version": "1.2.3", "status": "active"},
    {"resourceType": "CodeSystem", "id": "cs", "url": "http://fhir.example.org/CodeSystem/cs", "version": "1.2.3", "content": "complete"},
    {"resourceType": "Library", "id": "lib", "url": "http://fhir.example.org/Library/lib", "version": "1.2.3", "type": {"coding": []}},
]


def test_package_json_has_the_fhir_package_fields() -> None:
    manifest = json.loads(package_files(MANIFEST, RESOURCES)["package/package.json"])
    assert manifest["name"] == "org.example.pkg" and manifest["version"] == "1.2.3"
    assert manifest["fhirVersions"] == ["4.0.1"]
    assert manifest["dependencies"] == {"hl7.fhir.r4.core": "4.0.1"}
    assert manifest["canonical"] == manifest["url"] == "http://fhir.example.org"
    assert manifest["date"] == "20250115000000"
    assert manifest["type"] == "fhir.ig"


def test_index_lists_every_resource_file_with_its_canonical_fields() -> None:
    files = package_files(MANIFEST, RESOURCES)
    index = json.loads(files["package/.index.json"])
    assert index["index-version"] == 2
    names = [f["filename"] for f in index["files"]]
    assert names == ["CodeSystem-cs.json", "Library-lib.json", "ValueSet-vs.json"]
    for entry in index["files"]:
        resource = json.loads(files[f"package/{entry['filename']}"])
        assert (entry["resourceType"], entry["id"], entry["url"], entry["version"]) == (
            resource["resourceType"], resource["id"], resource["url"], resource["version"])
    assert index["files"][0]["content"] == "complete"
    assert "type" not in index_entry(RESOURCES[2])  # a CodeableConcept is not an index field


def test_tarball_is_byte_identical_sorted_with_fixed_mtime_and_owner() -> None:
    files = package_files(MANIFEST, RESOURCES)
    first = build_tgz(files, mtime_date="2025-01-15")
    assert first == build_tgz(dict(reversed(list(files.items()))), mtime_date="2025-01-15")
    assert first != build_tgz(files, mtime_date="2025-01-16")
    with tarfile.open(fileobj=io.BytesIO(first), mode="r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(files)
    assert all(m.name.startswith("package/") for m in members)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(1736899200, 0, 0, "", "", 0o644)}
    assert read_tgz(first) == files
    assert int.from_bytes(first[4:8], "little") == 1736899200  # gzip header MTIME
    assert gzip.decompress(first).startswith(b"package/")


def test_two_resources_with_one_file_name_are_refused() -> None:
    with pytest.raises(ValueError, match="share a file name"):
        package_files(MANIFEST, RESOURCES + [dict(RESOURCES[0])])
