"""The Library resources: CQL and ELM attached, cql-library profile, dependencies, parameters, data requirements."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from call0603.authoring import elm as elm_info
from call0603.authoring.cql import render_common_cql, render_cql
from call0603.authoring.library import build_library_resources, compile_libraries, compile_library, elm_json
from call0603.guideline import load_guideline


@pytest.fixture(scope="module")
def guideline():  # noqa: ANN201 - the typed Guideline
    return load_guideline()


@pytest.fixture(scope="module")
def resources(guideline) -> list[dict[str, Any]]:  # noqa: ANN001
    return build_library_resources(guideline)


@pytest.fixture(scope="module")
def library(resources) -> dict[str, Any]:  # noqa: ANN001
    return resources[0]


@pytest.fixture(scope="module")
def common(resources) -> dict[str, Any]:  # noqa: ANN001
    return resources[1]


def _content(library: dict[str, Any], content_type: str) -> bytes:
    return base64.b64decode(next(c["data"] for c in library["content"] if c["contentType"] == content_type))


def test_identity_matches_the_cql_header(guideline, library) -> None:  # noqa: ANN001
    assert (library["resourceType"], library["id"], library["name"], library["version"]) == (
        "Library", "call0603-reinduction", "CALL0603Reinduction", "1.0.0")
    assert library["url"] == "http://fhir.call0603.org/Library/call0603-reinduction"
    assert "http://hl7.org/fhir/uv/cql/StructureDefinition/cql-library" in library["meta"]["profile"]
    assert "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablelibrary" in library["meta"]["profile"]
    assert library["type"]["coding"][0]["code"] == "logic-library"
    for key in ("title", "status", "experimental", "date", "publisher", "description"):
        assert key in library
    elm = json.loads(_content(library, "application/elm+json"))
    assert elm["library"]["identifier"] == {"id": library["name"], "version": library["version"]}


def test_content_is_the_rendered_cql_and_its_elm(guideline, library) -> None:  # noqa: ANN001
    assert [c["contentType"] for c in library["content"]] == ["text/cql", "application/elm+json"]
    assert _content(library, "text/cql").decode("utf-8") == render_cql(guideline)
    assert _content(library, "application/elm+json") == elm_json(compile_library(guideline).elm)


def test_depends_on_fhirhelpers_and_every_value_set(guideline, library) -> None:  # noqa: ANN001
    depends = [r["resource"] for r in library["relatedArtifact"] if r["type"] == "depends-on"]
    assert depends[0] == "http://fhir.org/guides/cqf/common/Library/FHIRHelpers|4.0.1"
    for vs in guideline.terminology.value_sets:
        assert f"{vs.url}|1.0.0" in depends
    for cs in guideline.terminology.code_systems:
        assert f"{cs.url}|1.0.0" in depends
    assert any(r["type"] == "citation" and "10.3346/jkms.2017.32.4.642" in r["url"] for r in library["relatedArtifact"])


def test_parameters_in_and_out(guideline, library) -> None:  # noqa: ANN001
    params = {p["name"]: p for p in library["parameter"]}
    assert {k: (params[k]["use"], params[k]["type"]) for k in ("start", "asOf")} == {"start": ("in", "date"), "asOf": ("in", "date")}
    assert (params["Idarubicin Day 14 Indicated"]["use"], params["Idarubicin Day 14 Indicated"]["type"]) == ("out", "boolean")
    assert (params["BSA"]["type"], params["Vincristine Ordered Dose"]["type"], params["Study Day"]["type"]) == ("decimal", "Quantity", "integer")
    assert (params["Relapse Conditions"]["type"], params["Relapse Conditions"]["max"]) == ("Condition", "*")
    assert params["Eligibility"]["type"] == "Any"
    outs = [p["name"] for p in library["parameter"] if p["use"] == "out"]
    assert outs == [d.name for d in elm_info.defines(compile_library(guideline).elm)]


INPUT_CONTRACT_VALUE_SETS = {
    "Observation": {"anc", "platelets", "marrow-blasts", "peripheral-blasts-percent", "peripheral-blasts-count", "csf-wbc",
                    "csf-lymphoblasts", "diagnosis-wbc", "hemoglobin", "body-weight", "body-height", "marrow-status",
                    "cytogenetic-finding"},
    "Condition": {"all-diagnosis", "all-relapse", "all-b-cell", "all-t-cell", "mature-b-cell", "down-syndrome"},
}


def test_data_requirements_match_the_input_contract(library) -> None:  # noqa: ANN001
    by_type: dict[str, set[str]] = {}
    for req in library["dataRequirement"]:
        for f in req.get("codeFilter", []):
            assert f["path"] == "code"
            url, version = f["valueSet"].split("|")
            assert version == "1.0.0" and url.startswith("http://fhir.call0603.org/ValueSet/")
            by_type.setdefault(req["type"], set()).add(url.rsplit("/", 1)[1])
    assert by_type == INPUT_CONTRACT_VALUE_SETS
    unfiltered = [r["type"] for r in library["dataRequirement"] if "codeFilter" not in r]
    assert unfiltered == ["CarePlan", "Patient"]
    patient = next(r for r in library["dataRequirement"] if r["type"] == "Patient")
    assert patient["mustSupport"] == ["birthDate", "deceased"]
    observation = next(r for r in library["dataRequirement"] if r["type"] == "Observation")
    assert {"status", "effective", "value"} <= set(observation["mustSupport"])


def test_every_retrieve_is_by_value_set(guideline) -> None:  # noqa: ANN001
    retrieves = elm_info.retrieves(compile_library(guideline).elm)
    assert [r for r in retrieves if r.value_set is None] == [
        elm_info.Retrieve("CarePlan", None, None), elm_info.Retrieve("Patient", None, None)]


def test_byte_stable(guideline, resources) -> None:  # noqa: ANN001
    again = build_library_resources(guideline)
    assert json.dumps(again, sort_keys=True) == json.dumps(resources, sort_keys=True)


def test_the_common_library(guideline, library, common) -> None:  # noqa: ANN001
    assert [r["id"] for r in (library, common)] == ["call0603-reinduction", "call0603-reinduction-common"]
    assert (common["name"], common["url"]) == ("CALL0603ReinductionCommon", "http://fhir.call0603.org/Library/call0603-reinduction-common")
    assert _content(common, "text/cql").decode("utf-8") == render_common_cql(guideline)
    assert _content(common, "application/elm+json") == elm_json(compile_libraries(guideline)[1].elm)
    assert "parameter" not in common and "dataRequirement" not in common
    depends = [r["resource"] for r in common["relatedArtifact"] if r["type"] == "depends-on"]
    assert depends[0] == "http://fhir.org/guides/cqf/common/Library/FHIRHelpers|4.0.1"
    main_depends = [r["resource"] for r in library["relatedArtifact"] if r["type"] == "depends-on"]
    assert "http://fhir.call0603.org/Library/call0603-reinduction-common|1.0.0" in main_depends


@pytest.mark.parametrize("index", [0, 1])
def test_every_attachment_fits_a_fhir_string_with_headroom(resources, index: int) -> None:  # noqa: ANN001
    """Servers cap a string at 1 MiB (medplum refuses more); the package keeps each attachment under 90% of it."""
    for content in resources[index]["content"]:
        assert len(content["data"]) < 0.9 * 1024 * 1024, (resources[index]["id"], content["contentType"], len(content["data"]))
