"""Profile conformance: the committed artifacts against every profile they claim (CPG, CRMI, CQL IG), and broken
copies of them caught, in one run of the profile validator (snapshot generation + medplum, offline)."""

from __future__ import annotations

import copy

import pytest

from call0603 import paths
from call0603.authoring import validate as v
from call0603.authoring.cli import read_artifacts

CONTEXT = v.PackageContext(canonical="http://fhir.call0603.org")


def _by_id(resources: list[dict], kind: str, ident: str) -> dict:
    return copy.deepcopy(next(r for r in resources if r["resourceType"] == kind and r["id"] == ident))


def _broken(resources: list[dict]) -> dict[str, dict]:
    """Broken copies, each under an id of its own, keyed by `Type/id`."""
    marrow = _by_id(resources, "ActivityDefinition", "call0603-marrow-exam")
    marrow["code"]["coding"] = [c for c in marrow["code"]["coding"] if c["code"] != "order-service"]
    unversioned = _by_id(resources, "ValueSet", "anc")
    for entry in unversioned["expansion"]["contains"]:
        del entry["version"]
    both = _by_id(resources, "ValueSet", "platelets")
    both["expansion"]["parameter"] = [{"name": "system-version", "valueUri": "http://loinc.org|2.78"}]
    no_url = _by_id(resources, "CodeSystem", "findings")
    del no_url["url"]
    plan = _by_id(resources, "PlanDefinition", "call0603-reinduction")
    del plan["title"]
    library = _by_id(resources, "Library", "call0603-reinduction")
    library["content"] = [c for c in library["content"] if c["contentType"] != "text/cql"]
    broken = {"marrow-no-order-service": marrow, "vs-no-version": unversioned, "vs-version-twice": both,
              "cs-no-url": no_url, "plan-no-title": plan, "library-no-cql": library}
    for ident, resource in broken.items():
        resource["id"] = ident
    return {f"{r['resourceType']}/{r['id']}": r for r in broken.values()}


@pytest.fixture(scope="module")
def checked() -> tuple[list[dict], dict[str, dict], v.Report]:
    resources = read_artifacts(paths.REPO)
    broken = _broken(resources)
    (report,) = v.validate([*resources, *broken.values()], CONTEXT, only=["profile conformance"])
    return resources, broken, report


def test_every_claimed_profile_is_checked_and_the_artifacts_pass(checked) -> None:
    resources, broken, report = checked
    claims = sum(len(r["meta"]["profile"]) for r in [*resources, *broken.values()])
    assert report.checked == claims and claims > 2 * len(resources)
    clean = [f for f in report.findings if f.resource not in broken]
    assert clean == []


def test_a_broken_copy_is_caught_with_the_profile_and_element_named(checked) -> None:
    _, broken, report = checked
    found: dict[str, list[str]] = {}
    for f in report.findings:
        found.setdefault(f.resource, []).append(f"{f.path} {f.message}")
    assert set(found) == set(broken)
    text = {k: " | ".join(v) for k, v in found.items()}
    assert "cpg-servicerequestactivity" in text["ActivityDefinition/marrow-no-order-service"]
    assert "ActivityDefinition.code" in text["ActivityDefinition/marrow-no-order-service"]
    assert "evs-1" in text["ValueSet/vs-no-version"] and "evs-1" in text["ValueSet/vs-version-twice"]
    assert "crmi-shareablecodesystem" in text["CodeSystem/cs-no-url"] and "url" in text["CodeSystem/cs-no-url"]
    assert "crmi-shareableplandefinition" in text["PlanDefinition/plan-no-title"]
    assert "cql-library" in text["Library/library-no-cql"]


def test_an_unknown_profile_is_an_error_not_a_pass() -> None:
    resource = {"resourceType": "Basic", "id": "x", "code": {"text": "x"},
                "meta": {"profile": ["http://example.org/StructureDefinition/nothing-here"]}}
    (report,) = v.validate([resource], CONTEXT, only=["profile conformance"])
    assert report.checked == 1
    (finding,) = report.findings
    assert finding.severity == "error" and "cannot be resolved" in finding.message
