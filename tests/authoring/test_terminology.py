"""The package's CodeSystems and ValueSets: canonical URLs, complete content, codes that exist, stable output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from call0603.authoring.terminology import build_terminology
from call0603.guideline import load_guideline


@pytest.fixture(scope="module")
def guideline():  # noqa: ANN201 - the typed Guideline
    return load_guideline()


@pytest.fixture(scope="module")
def resources(guideline) -> list[dict[str, Any]]:  # noqa: ANN001
    return build_terminology(guideline)


def _by_id(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in resources if r["resourceType"] == kind}


def test_code_systems(resources) -> None:  # noqa: ANN001
    systems = _by_id(resources, "CodeSystem")
    assert set(systems) == {"marrow-status", "cytogenetics", "findings"}
    marrow = systems["marrow-status"]
    assert marrow["url"] == "http://fhir.call0603.org/CodeSystem/marrow-status"
    assert (marrow["content"], marrow["count"], marrow["caseSensitive"]) == ("complete", 4, True)
    assert [c["code"] for c in marrow["concept"]] == ["status", "M1", "M2", "M3"]
    assert [c["code"] for c in systems["cytogenetics"]["concept"]] == [
        "finding", "t9-22", "kmt2a-rearranged", "hypodiploid", "high-hyperdiploid", "t12-21", "normal-karyotype", "other"]
    assert [c["code"] for c in systems["findings"]["concept"]] == ["csf-blasts"]
    for cs in systems.values():
        assert cs["meta"]["profile"] == ["http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablecodesystem"]
        assert (cs["version"], cs["status"], cs["date"]) == ("1.0.0", "active", "2025-01-15")


def test_value_sets_compose_and_expansion_agree(resources) -> None:  # noqa: ANN001
    value_sets = _by_id(resources, "ValueSet")
    assert len(value_sets) == 22
    for vs in value_sets.values():
        composed = [(inc["system"], c["code"]) for inc in vs["compose"]["include"] for c in inc["concept"]]
        expanded = [(c["system"], c["code"]) for c in vs["expansion"]["contains"]]
        assert sorted(composed) == sorted(expanded), vs["id"]
        assert vs["expansion"]["total"] == len(expanded)
        assert vs["url"] == f"http://fhir.call0603.org/ValueSet/{vs['id']}"
        systems = [inc["system"] for inc in vs["compose"]["include"]]
        assert len(systems) == len(set(systems)), vs["id"]


def test_every_package_code_in_a_value_set_exists_in_its_code_system(resources) -> None:  # noqa: ANN001
    defined = {(cs["url"], c["code"]) for cs in _by_id(resources, "CodeSystem").values() for c in cs["concept"]}
    own = {cs["url"] for cs in _by_id(resources, "CodeSystem").values()}
    used = [(inc["system"], c["code"], inc.get("version"))
            for vs in _by_id(resources, "ValueSet").values() for inc in vs["compose"]["include"] for c in inc["concept"]]
    for system, code, version in used:
        if system in own:
            assert (system, code) in defined
            assert version == "1.0.0"
        else:
            assert version is None


def test_input_contract_codes(resources) -> None:  # noqa: ANN001
    vs = _by_id(resources, "ValueSet")

    def codes(vs_id: str) -> list[str]:
        return [c["code"] for c in vs[vs_id]["expansion"]["contains"]]

    assert codes("anc") == ["751-8", "753-4", "26499-4"]
    assert codes("platelets") == ["777-3", "778-1", "26515-7"]
    assert codes("csf-wbc") == ["26465-5", "806-0", "805-2"]
    assert codes("csf-lymphoblasts") == ["35068-6", "csf-blasts"]
    assert codes("all-diagnosis") == ["91857003", "277571004", "277575008", "C91.00"]
    assert codes("all-relapse") == ["C91.02"]
    assert codes("down-syndrome") == ["41040004", "70156005", "Q90.0", "Q90.1", "Q90.2", "Q90.9"]
    assert vs["down-syndrome"]["compose"]["include"][1]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"


def test_deterministic(guideline, resources) -> None:  # noqa: ANN001
    assert json.dumps(build_terminology(guideline), sort_keys=True) == json.dumps(resources, sort_keys=True)
