"""Import: the transaction Bundle loads into a real FHIR server in one POST, reads back, and is found by search."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest



@pytest.fixture(scope="module")
def imported(fhir_server: Any, built_package):  # noqa: ANN001, ANN201
    bundle = next(b for p, b in built_package.files.items() if p.startswith("release/Bundle-"))
    status, answer = fhir_server.request("POST", "", json.loads(bundle))
    return status, answer, json.loads(bundle)


def _search(server: Any, query: str) -> list[dict]:
    status, bundle = server.request("GET", query)
    assert status == 200 and bundle["type"] == "searchset", bundle
    return [e["resource"] for e in bundle.get("entry", [])]


def test_one_post_loads_every_resource(imported) -> None:  # noqa: ANN001
    status, answer, bundle = imported
    assert status == 200 and answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    assert {e["response"]["status"] for e in answer["entry"]} <= {"200", "201"}
    assert [e["response"]["location"] for e in answer["entry"]] == [e["request"]["url"] for e in bundle["entry"]]


def test_every_resource_reads_back_as_sent(fhir_server: Any, imported) -> None:  # noqa: ANN001
    for entry in imported[2]["entry"]:
        status, resource = fhir_server.request("GET", entry["request"]["url"])
        assert status == 200
        resource.pop("meta", None)
        sent = {k: v for k, v in entry["resource"].items() if k != "meta"}
        assert resource == sent


def test_search_by_canonical_url_and_version(fhir_server: Any, imported, built_package) -> None:  # noqa: ANN001
    for resource in built_package.resources:
        found = _search(fhir_server, f"{resource['resourceType']}?url={quote(resource['url'], safe='')}&version={resource['version']}")
        assert [r["id"] for r in found] == [resource["id"]]
    plan = next(r for r in built_package.resources if r["resourceType"] == "PlanDefinition")
    assert _search(fhir_server, f"PlanDefinition?url={quote(plan['url'], safe='')}&version=0.0.0") == []


def test_search_by_name(fhir_server: Any, imported, built_package) -> None:  # noqa: ANN001
    for kind in ("PlanDefinition", "Library", "ActivityDefinition"):
        for resource in (r for r in built_package.resources if r["resourceType"] == kind):
            assert [r["id"] for r in _search(fhir_server, f"{kind}?name:exact={resource['name']}")] == [resource["id"]]
    assert _search(fhir_server, "PlanDefinition?name=NoSuchPlan") == []


def test_search_by_depends_on(fhir_server: Any, imported, built_package) -> None:  # noqa: ANN001
    library = next(r for r in built_package.resources if r["resourceType"] == "Library")
    helpers = next(a["resource"] for a in library["relatedArtifact"] if a["type"] == "depends-on" and "FHIRHelpers" in a["resource"])
    assert library["id"] in [r["id"] for r in _search(fhir_server, f"Library?depends-on={quote(helpers, safe='')}")]
    canonical = f"{library['url']}|{library['version']}"
    plans = _search(fhir_server, f"PlanDefinition?depends-on={quote(canonical, safe='')}")
    assert [r["resourceType"] for r in plans] == ["PlanDefinition"]
    activities = _search(fhir_server, f"ActivityDefinition?depends-on={quote(canonical, safe='')}")
    assert len(activities) == sum(1 for r in built_package.resources if r["resourceType"] == "ActivityDefinition" and r.get("library"))


def test_unknown_ids_and_bad_bodies_are_refused(fhir_server: Any, imported) -> None:  # noqa: ANN001
    status, outcome = fhir_server.request("GET", "PlanDefinition/no-such-plan")
    assert status == 404 and outcome["resourceType"] == "OperationOutcome"
    status, outcome = fhir_server.request("POST", "", {"resourceType": "Patient"})
    assert status == 400 and outcome["resourceType"] == "OperationOutcome"


def test_what_the_server_stores_passes_every_claimed_profile(fhir_server: Any, imported) -> None:  # noqa: ANN001
    """The resources as the server answers them (its meta added) still conform to the profiles they claim."""
    from call0603.authoring.validate import PackageContext, validate

    stored = []
    for entry in imported[2]["entry"]:
        status, resource = fhir_server.request("GET", entry["request"]["url"])
        assert status == 200 and resource["meta"]["profile"] == entry["resource"]["meta"]["profile"]
        stored.append(resource)
    (report,) = validate(stored, PackageContext(canonical=""), only=["profile conformance"])
    assert report.checked == sum(len(r["meta"]["profile"]) for r in stored) > len(stored)
    assert [str(f) for f in report.findings] == []
