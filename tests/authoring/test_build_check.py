"""Writing artifacts and detecting stale ones: every difference is named; unowned files are never touched."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from call0603.authoring.check import find_differences
from call0603.authoring.npm import build_tgz
from call0603.authoring.write import artifact_files, library_sources, resource_path, write_files

LIBRARY = {
    "resourceType": "Library", "id": "lib",
    "content": [
        {"contentType": "text/cql", "data": base64.b64encode(b"library Lib version '1.0.0'").decode()},
        {"contentType": "application/elm+json", "data": base64.b64encode(b'{"library":{"b":1,"a":2}}').decode()},
    ],
}
RESOURCES = [
    LIBRARY,
    {"resourceType": "PlanDefinition", "id": "plan"},
    {"resourceType": "ActivityDefinition", "id": "act"},
    {"resourceType": "ValueSet", "id": "vs"},
]


def _files(tgz_level: int = 9) -> dict[str, bytes]:
    tgz = build_tgz({"package/package.json": b"{}"}, mtime_date="2025-01-15")
    if tgz_level != 9:
        tgz = gzip.compress(gzip.decompress(tgz), compresslevel=tgz_level, mtime=0)
    return artifact_files(RESOURCES, bundle={"resourceType": "Bundle", "id": "pkg"}, package_name="org.x-1.0.0",
                          package_tgz=tgz, fhirhelpers_elm={"library": {"identifier": {"id": "FHIRHelpers"}}})


def test_layout_puts_plans_and_activities_apart_from_library_and_terminology() -> None:
    assert sorted(_files()) == [
        "generator/call0603/authoring/cql/FHIRHelpers-4.0.1.elm.json",
        "library/Library-lib.cql", "library/Library-lib.elm.json", "library/Library-lib.json", "library/ValueSet-vs.json",
        "plandefinitions/ActivityDefinition-act.json", "plandefinitions/PlanDefinition-plan.json",
        "release/Bundle-pkg.json", "release/org.x-1.0.0.tgz",
    ]
    with pytest.raises(ValueError, match="no folder"):
        resource_path({"resourceType": "Patient", "id": "p"})


def test_library_cql_and_elm_are_decoded_for_review() -> None:
    files = library_sources(LIBRARY)
    assert files["library/Library-lib.cql"] == b"library Lib version '1.0.0'\n"
    assert json.loads(files["library/Library-lib.elm.json"]) == {"library": {"a": 2, "b": 1}}
    assert files["library/Library-lib.elm.json"].index(b'"a"') < files["library/Library-lib.elm.json"].index(b'"b"')


def test_resources_are_pretty_sorted_json_with_a_final_newline() -> None:
    text = _files()["plandefinitions/PlanDefinition-plan.json"].decode()
    assert text == '{\n  "id": "plan",\n  "resourceType": "PlanDefinition"\n}\n'


def test_write_then_check_is_clean_and_a_second_write_changes_nothing(tmp_path: Path) -> None:
    files = _files()
    assert write_files(files, tmp_path) == sorted(files)
    assert find_differences(files, tmp_path) == []
    assert write_files(files, tmp_path) == []


def test_check_names_changed_missing_and_stale_files(tmp_path: Path) -> None:
    files = _files()
    write_files(files, tmp_path)
    (tmp_path / "plandefinitions/PlanDefinition-plan.json").write_text("{}\n")
    (tmp_path / "library/ValueSet-vs.json").unlink()
    (tmp_path / "plandefinitions/ActivityDefinition-old.json").write_text("{}\n")
    (tmp_path / "library/FHIRHelpers-4.0.1.cql").write_text("library FHIRHelpers\n")
    (tmp_path / "library/README.md").write_text("notes\n")
    found = [str(d) for d in find_differences(files, tmp_path)]
    assert found == [
        "library/ValueSet-vs.json: missing",
        "plandefinitions/PlanDefinition-plan.json: differs",
        "plandefinitions/ActivityDefinition-old.json: not generated",
    ]
    changed = write_files(files, tmp_path)
    assert changed == ["library/ValueSet-vs.json", "plandefinitions/PlanDefinition-plan.json", "plandefinitions/ActivityDefinition-old.json"]
    assert not (tmp_path / "plandefinitions/ActivityDefinition-old.json").exists()
    assert (tmp_path / "library/FHIRHelpers-4.0.1.cql").exists() and (tmp_path / "library/README.md").exists()
    assert find_differences(files, tmp_path) == []


def test_package_tarball_is_compared_by_its_content_not_its_gzip_bytes(tmp_path: Path) -> None:
    write_files(_files(), tmp_path)
    regzipped = _files(tgz_level=1)
    assert regzipped["release/org.x-1.0.0.tgz"] != _files()["release/org.x-1.0.0.tgz"]
    assert find_differences(regzipped, tmp_path) == []
    (tmp_path / "release/org.x-1.0.0.tgz").write_bytes(build_tgz({"package/package.json": b"{ }"}, mtime_date="2025-01-15"))
    assert [str(d) for d in find_differences(_files(), tmp_path)] == ["release/org.x-1.0.0.tgz: differs"]
    (tmp_path / "release/org.x-1.0.0.tgz").write_bytes(b"not gzip")
    assert [str(d) for d in find_differences(_files(), tmp_path)] == ["release/org.x-1.0.0.tgz: differs"]
