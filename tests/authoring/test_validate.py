"""Every validator path, on small hand-made resources: each check passes clean input and names what is wrong."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from call0603.authoring import validate as v

BASE = "http://fhir.example.org"
CONTEXT = v.PackageContext(canonical=BASE, external=frozenset({"http://fhir.org/guides/cqf/common/Library/FHIRHelpers|4.0.1", "http://loinc.org"}))
LIB = f"{BASE}/Library/lib|1.0.0"


def _b64(data: object) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


def _package() -> list[dict]:
    elm = {"library": {"identifier": {"id": "Lib"}, "statements": {"def": [{"name": "Patient"}, {"name": "Day 14 Give"}]}}}
    return [
        {
            "resourceType": "Library", "id": "lib", "url": f"{BASE}/Library/lib", "version": "1.0.0", "status": "active",
            "meta": {"profile": [v.CQL_LIBRARY]},
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/library-type", "code": "logic-library"}]},
            "relatedArtifact": [{"type": "depends-on", "resource": "http://fhir.org/guides/cqf/common/Library/FHIRHelpers|4.0.1"}],
            "dataRequirement": [{"type": "Observation", "codeFilter": [{"path": "code", "valueSet": f"{BASE}/ValueSet/vs"}]}],
            "content": [{"contentType": "application/elm+json", "data": _b64(elm)}],
        },
        {
            "resourceType": "CodeSystem", "id": "cs", "url": f"{BASE}/CodeSystem/cs", "version": "1.0.0", "status": "active",
            "content": "complete", "meta": {"profile": list(v.EXPECTED_PROFILES["CodeSystem"])},
            "concept": [{"code": "M1", "concept": [{"code": "M1a"}]}, {"code": "M2"}],
        },
        {
            "resourceType": "ValueSet", "id": "vs", "url": f"{BASE}/ValueSet/vs", "version": "1.0.0", "status": "active",
            "meta": {"profile": list(v.EXPECTED_PROFILES["ValueSet"])},
            "compose": {"include": [
                {"system": f"{BASE}/CodeSystem/cs", "concept": [{"code": "M1a"}, {"code": "M2"}]},
                {"system": "http://loinc.org", "concept": [{"code": "751-8"}]},
            ]},
        },
        {
            "resourceType": "ActivityDefinition", "id": "ad", "url": f"{BASE}/ActivityDefinition/ad", "version": "1.0.0",
            "status": "active", "kind": "MedicationRequest", "intent": "proposal", "doNotPerform": False,
            "meta": {"profile": list(v.EXPECTED_PROFILES["ActivityDefinition/MedicationRequest"])},
        },
        {
            "resourceType": "PlanDefinition", "id": "pd", "url": f"{BASE}/PlanDefinition/pd", "version": "1.0.0", "status": "active",
            "meta": {"profile": list(v.EXPECTED_PROFILES["PlanDefinition"])},
            "library": [LIB],
            "action": [{
                "id": "a1", "definitionCanonical": f"{BASE}/ActivityDefinition/ad|1.0.0",
                "condition": [{"kind": "applicability", "expression": {"language": "text/cql-identifier", "expression": "Day 14 Give", "reference": LIB}}],
            }],
        },
    ]


def _only(name: str, resources: list[dict]) -> list[v.Finding]:
    (report,) = v.validate(resources, CONTEXT, only=[name])
    assert report.checked == len(resources)
    return list(report.findings)


@pytest.mark.parametrize("name", ["fhir.resources R4B", "profiles", "canonicals", "cql identifiers", "value set codes"])
def test_a_clean_package_passes(name: str) -> None:
    assert _only(name, _package()) == []


def test_r4b_names_the_bad_element() -> None:
    bad = _package()
    bad[4]["action"][0]["relatedAction"] = [{"targetId": "a1", "relationship": "after"}]
    bad[3]["doNotPerform"] = {"x": 1}
    found = _only("fhir.resources R4B", bad)
    assert any(f.resource == "PlanDefinition/pd" and "targetId" in f.path for f in found)
    assert any(f.resource == "ActivityDefinition/ad" and f.path == "doNotPerform" for f in found)
    assert _only("fhir.resources R4B", [{"resourceType": "NoSuchType", "id": "x"}])[0].path == "resourceType"


def test_medplum_finds_r4_errors_that_r4b_would_name_differently() -> None:
    bad = _package()
    bad[4]["action"][0]["relatedAction"] = [{"targetId": "a1", "relationship": "after"}]
    bad[1]["concept"][0]["code"] = 7
    found = _only("medplum R4", bad)
    paths = {(f.resource, f.path) for f in found}
    assert ("PlanDefinition/pd", "PlanDefinition.action[0].relatedAction[0].targetId") in paths
    assert ("PlanDefinition/pd", "PlanDefinition.action[0].relatedAction[0].actionId") in paths
    assert any(r == "CodeSystem/cs" and "concept[0].code" in p for r, p in paths)
    assert _only("medplum R4", _package()) == []


def test_profiles_missing_or_unknown_are_named() -> None:
    bad = _package()
    bad[4]["meta"]["profile"] = bad[4]["meta"]["profile"][:1]
    del bad[0]["meta"]
    bad[3]["kind"] = "Task"
    found = {(f.resource, f.message) for f in _only("profiles", bad)}
    assert ("PlanDefinition/pd", f"missing profile {v.EXPECTED_PROFILES['PlanDefinition'][1]}") in found
    assert ("Library/lib", f"missing profile {v.CQL_LIBRARY}") in found
    assert ("ActivityDefinition/ad", "no expected profile is known for ActivityDefinition/Task") in found


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda p: p[4].update(library=[f"{BASE}/Library/lib|9.9.9"]), "library[0]"),
        (lambda p: p[4]["action"][0].update(definitionCanonical=f"{BASE}/ActivityDefinition/gone|1.0.0"), "action[0].definitionCanonical"),
        (lambda p: p[4]["action"][0]["condition"][0]["expression"].update(reference=f"{BASE}/Library/other"), "action[0].condition[0].expression.reference"),
        (lambda p: p[0]["relatedArtifact"][0].update(resource="http://elsewhere.org/Library/X|1"), "relatedArtifact[0].resource"),
        (lambda p: p[0]["dataRequirement"][0]["codeFilter"][0].update(valueSet=f"{BASE}/ValueSet/nope"), "dataRequirement[0].codeFilter[0].valueSet"),
        (lambda p: p[2]["compose"]["include"][0].update(system=f"{BASE}/CodeSystem/nope"), "compose.include[0].system"),
        (lambda p: p[2]["compose"]["include"].append({"valueSet": [f"{BASE}/ValueSet/nope"]}), "compose.include[2].valueSet[0]"),
    ],
)
def test_a_canonical_that_does_not_resolve_is_named_with_its_path(edit, path: str) -> None:
    bad = _package()
    edit(bad)
    found = _only("canonicals", bad)
    assert [f.path for f in found] == [path]


def test_versionless_canonicals_resolve_to_any_version() -> None:
    ok = _package()
    ok[4]["library"] = [f"{BASE}/Library/lib"]
    assert _only("canonicals", ok) == []


def test_cql_identifiers_must_name_defines_of_the_referenced_library() -> None:
    bad = _package()
    bad[4]["action"][0]["condition"][0]["expression"]["expression"] = "Day 14 Giv"
    (finding,) = _only("cql identifiers", bad)
    assert finding.path == "action[0].condition[0].expression.expression"
    assert "'Day 14 Giv' is not a define of Library/lib" == finding.message


def test_cql_identifier_without_reference_uses_the_resource_library_and_needs_elm() -> None:
    resources = _package()
    del resources[4]["action"][0]["condition"][0]["expression"]["reference"]
    assert _only("cql identifiers", resources) == []
    resources[0]["content"] = [{"contentType": "text/cql", "data": "bGlicmFyeQ=="}]
    assert "carries no ELM" in _only("cql identifiers", resources)[0].message
    resources[4]["library"] = []
    assert "no Library in the package" in _only("cql identifiers", resources)[0].message


def test_value_set_codes_must_exist_in_package_code_systems() -> None:
    bad = _package()
    bad[2]["compose"]["include"][0]["concept"].append({"code": "M4"})
    bad[2]["compose"]["include"][1]["concept"].append({"code": "anything"})  # external: not checkable here
    (finding,) = _only("value set codes", bad)
    assert finding.path == "compose.include[0].concept[2].code"
    assert finding.message == f"'M4' is not a code of {BASE}/CodeSystem/cs"


def test_report_table_shows_counts_and_first_error() -> None:
    from rich.console import Console

    bad = copy.deepcopy(_package())
    bad[2]["compose"]["include"][0]["concept"].append({"code": "M4"})
    reports = v.validate(bad, CONTEXT, only=["profiles", "value set codes"])
    console = Console(width=200, record=True)
    console.print(v.report_table(reports))
    text = console.export_text()
    assert "profiles" in text and "value set codes" in text and "'M4' is not a code" in text
    assert [r.ok for r in reports] == [True, False]


def test_medplum_tool_checks_required_code_bindings() -> None:
    bad = _package()
    bad[4]["status"] = "published"
    bad[4]["action"][0]["selectionBehavior"] = "some"
    bad[4]["action"][0]["timingTiming"] = {"repeat": {"period": 1, "periodUnit": "days"}}
    bad[3]["kind"] = "Prescription"
    found = {(f.resource, f.path): f.message for f in _only("medplum R4", bad)}
    assert set(found) == {
        ("PlanDefinition/pd", "PlanDefinition.status"),
        ("PlanDefinition/pd", "PlanDefinition.action[0].selectionBehavior"),
        ("PlanDefinition/pd", "PlanDefinition.action[0].timingTiming.repeat.periodUnit"),
        ("ActivityDefinition/ad", "ActivityDefinition.kind"),
    }
    assert found[("PlanDefinition/pd", "PlanDefinition.status")].startswith('code "published" is not in the required value set')
