"""The transaction Bundle: one PUT per resource, by id, referenced artifacts first, no duplicate identities."""

from __future__ import annotations

import pytest

from call0603.authoring.bundle import build_transaction_bundle

BASE = "http://fhir.example.org"


def _resources() -> list[dict]:
    return [
        {"resourceType": "PlanDefinition", "id": "plan"},
        {"resourceType": "ActivityDefinition", "id": "b"},
        {"resourceType": "ActivityDefinition", "id": "a"},
        {"resourceType": "Library", "id": "lib"},
        {"resourceType": "ValueSet", "id": "vs"},
        {"resourceType": "CodeSystem", "id": "cs"},
    ]


def test_every_resource_is_a_put_by_id_with_its_full_url() -> None:
    bundle = build_transaction_bundle(_resources(), bundle_id="pkg", canonical=BASE, timestamp="2025-01-15T00:00:00Z")
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction" and bundle["id"] == "pkg"
    assert bundle["timestamp"] == "2025-01-15T00:00:00Z"
    for entry in bundle["entry"]:
        kind, rid = entry["resource"]["resourceType"], entry["resource"]["id"]
        assert entry["request"] == {"method": "PUT", "url": f"{kind}/{rid}"}
        assert entry["fullUrl"] == f"{BASE}/{kind}/{rid}"


def test_referenced_artifacts_come_first_in_a_stable_order() -> None:
    forward = build_transaction_bundle(_resources(), bundle_id="pkg", canonical=BASE)
    backward = build_transaction_bundle(list(reversed(_resources())), bundle_id="pkg", canonical=BASE)
    order = [e["request"]["url"] for e in forward["entry"]]
    assert order == [
        "CodeSystem/cs", "ValueSet/vs", "Library/lib", "ActivityDefinition/a", "ActivityDefinition/b", "PlanDefinition/plan",
    ]
    assert order == [e["request"]["url"] for e in backward["entry"]]
    assert "timestamp" not in forward


def test_two_resources_with_one_identity_are_refused() -> None:
    with pytest.raises(ValueError, match="Library/lib"):
        build_transaction_bundle(_resources() + [{"resourceType": "Library", "id": "lib"}], bundle_id="pkg", canonical=BASE)
