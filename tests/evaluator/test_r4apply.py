"""General R4 `$apply` on small content of its own: CQL parameters reaching the Library, conditions true, false and
null, `action.` paths, contained definitions, CQL parameters read from a FHIR Parameters resource, the user and
setting inputs in FHIRPath, and the `data` input merged with the subject's data."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from call0603.cql import Code
from call0603.cql.datatypes.datetime import Date, DateTime
from call0603.cql.datatypes.interval import Interval
from call0603.cql.datatypes.quantity import Quantity
from call0603.evaluator.content import Content
from call0603.evaluator.parameters import ParameterError, cql_parameters
from call0603.evaluator.r4apply import ApplyRequest, apply_r4

CQL = """library Rules version '1.0.0'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
parameter "Threshold" Integer default 1
context Patient
define "Above": "Threshold" > 3
define "Unknown": null as Boolean
define "Greeting": 'Hello ' + First(Patient.name.given).value
define "Has Observation": exists [Observation]
"""
LIBRARY = {"resourceType": "Library", "id": "rules", "url": "http://example.org/Library/Rules", "version": "1.0.0",
           "name": "Rules", "content": [{"contentType": "text/cql", "data": base64.b64encode(CQL.encode()).decode()}]}
MESSAGE = {"resourceType": "ActivityDefinition", "id": "message", "url": "#message", "kind": "CommunicationRequest",
           "code": {"text": "message"}}


def _cql(name: str) -> dict:
    return {"language": "text/cql.identifier", "expression": name}


PLAN = {
    "resourceType": "PlanDefinition", "id": "rules-plan", "url": "http://example.org/PlanDefinition/rules-plan",
    "library": ["http://example.org/Library/Rules|1.0.0"], "contained": [MESSAGE],
    "action": [
        {"id": "above", "title": "Above", "condition": [{"kind": "applicability", "expression": _cql("Above")}]},
        {"id": "unknown", "title": "Unknown", "condition": [{"kind": "applicability", "expression": _cql("Unknown")}]},
        {"id": "greet", "definitionCanonical": "#message",
         "dynamicValue": [{"path": "action.title", "expression": _cql("Greeting")},
                          {"path": "payload[0].contentString", "expression": _cql("Greeting")}]},
    ],
}
PATIENT = {"resourceType": "Patient", "id": "p", "name": [{"given": ["Ann"]}]}
NOW = DateTime.parse("2024-01-01T00:00:00.000Z", None)


@pytest.fixture(scope="module")
def content() -> Content:
    return Content.of([LIBRARY, PLAN])


def _apply(content: Content, **parameters: object) -> dict:
    return apply_r4(PLAN, content, ApplyRequest("Patient/p", (PATIENT,), NOW, parameters=parameters))


def test_a_cql_parameter_reaches_the_library_and_decides_the_condition(content: Content) -> None:
    ids = lambda cp: [a["id"] for a in cp["contained"][0]["action"]]  # noqa: E731
    assert ids(_apply(content)) == ["greet"]
    assert ids(_apply(content, Threshold=5)) == ["above", "greet"]


def test_a_null_condition_is_reported_and_its_action_not_applied(content: Content) -> None:
    careplan = _apply(content)
    (outcome,) = [r for r in careplan["contained"] if r["resourceType"] == "OperationOutcome"]
    (issue,) = outcome["issue"]
    assert issue["severity"] == "information" and "action[unknown]" in issue["diagnostics"]


def test_action_paths_set_the_request_group_action_and_the_others_the_contained_request(content: Content) -> None:
    careplan = _apply(content)
    greet = careplan["contained"][0]["action"][0]
    assert greet["title"] == "Hello Ann" and greet["resource"] == {"reference": "#message"}
    (request,) = [r for r in careplan["contained"] if r["resourceType"] == "CommunicationRequest"]
    assert request["payload"] == [{"contentString": "Hello Ann"}]
    assert request["subject"] == {"reference": "Patient/p"}


def test_a_parameter_no_library_declares_is_an_issue_not_a_traceback(content: Content) -> None:
    careplan = _apply(content, Nowhere=1)
    (outcome,) = [r for r in careplan["contained"] if r["resourceType"] == "OperationOutcome"]
    assert any("Nowhere" in i["diagnostics"] for i in outcome["issue"])


def test_parameters_resource_values_become_cql_values() -> None:
    given = cql_parameters({"resourceType": "Parameters", "parameter": [
        {"name": "n", "valueInteger": 3}, {"name": "d", "valueDecimal": 2.5}, {"name": "day", "valueDate": "2024-01-02"},
        {"name": "p", "valuePeriod": {"start": "2024-01-01T00:00:00Z", "end": "2024-12-31T23:59:59Z"}},
        {"name": "q", "valueQuantity": {"value": 5, "code": "mg"}},
        {"name": "c", "valueCoding": {"system": "http://loinc.org", "code": "751-8"}}]})
    assert given["n"] == 3 and given["d"] == Decimal("2.5") and given["day"] == Date.parse("2024-01-02")
    assert isinstance(given["p"], Interval) and given["p"].low == DateTime.parse("2024-01-01T00:00:00Z", None)
    assert given["q"] == Quantity(Decimal(5), "mg")
    assert given["c"] == Code("751-8", "http://loinc.org")


@pytest.mark.parametrize(("parameter", "message"), [
    ({"name": "x", "valueAttachment": {}}, "valueAttachment"),
    ({"name": "x", "valueDate": "2024-13-01"}, "not valid"),
    ({"name": "x"}, "one value"),
])
def test_a_parameter_without_a_cql_value_is_refused_by_name(parameter: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        cql_parameters({"resourceType": "Parameters", "parameter": [parameter]})


def test_a_cql_expression_is_evaluated_with_the_library_included_and_a_bad_one_is_an_issue(content: Content) -> None:
    plan = {**PLAN, "action": [
        {"id": "inline", "condition": [{"kind": "applicability", "expression": {
            "language": "text/cql-expression", "expression": '"Rules"."Threshold" > 3'}}],
         "dynamicValue": [{"path": "title", "expression": {
             "language": "text/cql-expression", "expression": "'Hi ' + \"Rules\".\"Greeting\""}}]},
        {"id": "bad", "dynamicValue": [{"path": "title", "expression": {
            "language": "text/cql-expression", "expression": "1 +"}}]}]}
    careplan = apply_r4(plan, content, ApplyRequest("Patient/p", (PATIENT,), NOW, parameters={"Threshold": 4}))
    actions = careplan["contained"][0]["action"]
    assert actions[0] == {"id": "inline", "condition": plan["action"][0]["condition"], "title": "Hi Hello Ann"}
    assert actions[1] == {"id": "bad"}
    (outcome,) = [r for r in careplan["contained"] if r["resourceType"] == "OperationOutcome"]
    assert "action[bad]" in outcome["issue"][0]["diagnostics"]
    below = apply_r4(plan, content, ApplyRequest("Patient/p", (PATIENT,), NOW))
    assert [a["id"] for a in below["contained"][0]["action"]] == ["bad"]


def _fhirpath(text: str) -> dict:
    return {"language": "text/fhirpath", "expression": text}


SETTING_PLAN = {
    "resourceType": "PlanDefinition", "id": "setting-plan", "library": ["http://example.org/Library/Rules|1.0.0"],
    "contained": [{**MESSAGE, "dynamicValue": [
        {"path": "payload[0].contentString", "expression": _fhirpath("'for ' + %userType.coding.code")}]}],
    "action": [
        {"id": "inpatient", "condition": [{"kind": "applicability",
                                           "expression": _fhirpath("%setting.coding.code = 'IMP'")}]},
        {"id": "detail", "dynamicValue": [{"path": "title", "expression": _fhirpath("%settingContext.text")}]},
        {"id": "tell", "definitionCanonical": "#message"},
    ],
}
INPATIENT = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}]}
NURSE = {"coding": [{"system": "http://snomed.info/sct", "code": "106292003"}]}


def _setting_run(content: Content, **concepts: dict) -> tuple[dict, list[str]]:
    careplan = apply_r4(SETTING_PLAN, content, ApplyRequest("Patient/p", (PATIENT,), NOW, concepts=concepts))
    issues = [i["diagnostics"] for r in careplan["contained"] if r["resourceType"] == "OperationOutcome" for i in r["issue"]]
    return careplan, issues


def test_setting_and_user_type_reach_conditions_and_dynamic_values_by_their_percent_names(content: Content) -> None:
    careplan, issues = _setting_run(content, setting=INPATIENT, userType=NURSE, settingContext={"text": "ward 3"})
    assert issues == []
    actions = careplan["contained"][0]["action"]
    assert [a["id"] for a in actions] == ["inpatient", "detail", "tell"] and actions[1]["title"] == "ward 3"
    (request,) = [r for r in careplan["contained"] if r["resourceType"] == "CommunicationRequest"]
    assert request["payload"] == [{"contentString": "for 106292003"}]
    outpatient, issues = _setting_run(content, setting={"coding": [{"code": "AMB"}]}, userType=NURSE,
                                      settingContext={"text": "ward 3"})
    assert [a["id"] for a in outpatient["contained"][0]["action"]] == ["detail", "tell"] and issues == []


def test_a_user_or_setting_input_not_given_is_an_issue_naming_it(content: Content) -> None:
    careplan, issues = _setting_run(content, settingContext={"text": "ward 3"})
    assert [a["id"] for a in careplan["contained"][0]["action"]] == ["detail", "tell"]
    assert any("action[inpatient]" in i and "%setting is not given" in i for i in issues)
    assert any("%userType is not given" in i for i in issues)
    assert not any("%settingContext" in i for i in issues)


DATA_PLAN = {
    "resourceType": "PlanDefinition", "id": "data-plan", "library": ["http://example.org/Library/Rules|1.0.0"],
    "action": [
        {"id": "observed", "condition": [{"kind": "applicability", "expression": _cql("Has Observation")}],
         "dynamicValue": [{"path": "title", "expression": _cql("Greeting")},
                          {"path": "description", "expression": _fhirpath("%practitioner.name.family")}]},
    ],
}


def _observation(oid: str, patient: str) -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final", "code": {"text": "x"},
            "subject": {"reference": f"Patient/{patient}"}}


def _data_run(content: Content, additional: tuple) -> tuple[list[dict], list[str]]:
    request = ApplyRequest("Patient/p", (PATIENT,), NOW, practitioner="Practitioner/dr", additional=additional)
    careplan = apply_r4(DATA_PLAN, content, request)
    issues = [i["diagnostics"] for r in careplan["contained"] if r["resourceType"] == "OperationOutcome" for i in r["issue"]]
    return careplan["contained"][0].get("action", []), issues


def test_the_data_input_is_merged_with_the_subjects_data_for_cql_and_fhirpath(content: Content) -> None:
    doctor = {"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Osler"}]}
    renamed = {**PATIENT, "name": [{"given": ["Bea"]}]}
    (action,), issues = _data_run(content, (_observation("o1", "p"), doctor, renamed))
    assert action["title"] == "Hello Bea" and action["description"] == "Osler"
    assert issues == ["data: Patient/p of the data input replaces a different resource of the same id"]


def test_the_data_inputs_resources_of_another_patient_are_not_used_and_are_named(content: Content) -> None:
    actions, issues = _data_run(content, (_observation("o2", "q"),))
    assert actions == []
    assert "data: resources of another patient not used: Observation/o2" in issues


def test_the_command_takes_the_user_setting_and_data_inputs_and_refuses_bad_ones(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from call0603.cli import app

    def write(name: str, document: dict) -> str:
        (tmp_path / name).write_text(json.dumps(document))
        return str(tmp_path / name)

    package = write("content.json", {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": LIBRARY}, {"resource": SETTING_PLAN}]})
    patient = write("patient.json", {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": PATIENT}]})
    data = write("data.json", {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": _observation("o", "p")}]})
    base = ["apply", patient, "--plan", write("plan.json", SETTING_PLAN), "--package", package, "--as-of", "2024-01-01"]
    done = CliRunner().invoke(app, [*base, "--setting", "http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP",
                                    "--user-type", json.dumps(NURSE), "--setting-context", '{"text": "ward 3"}',
                                    "--data", data])
    assert done.exit_code == 0, done.output
    careplan = json.loads(done.stdout)
    assert [a["id"] for a in careplan["contained"][0]["action"]] == ["inpatient", "detail", "tell"]
    assert not any(r["resourceType"] == "OperationOutcome" for r in careplan["contained"])
    for bad in (["--setting", "IMP"], ["--user-type", '{"coding": [{"system": "s"}]}'], ["--data", patient + "x"],
                ["--data", write("notbundle.json", PATIENT)]):
        refused = CliRunner().invoke(app, [*base, *bad])
        assert refused.exit_code == 2 and refused.stdout == "", (bad, refused.output)
    alone = CliRunner().invoke(app, ["apply", patient, "--setting", "s|c"])
    assert alone.exit_code == 2 and "--plan" in alone.output


def test_the_subjects_data_takes_inputs_resources_of_no_patient_but_not_another_patients(tmp_path) -> None:
    import json

    from call0603.evaluator.launch import subject_data

    other = {"resourceType": "Patient", "id": "q"}
    doctor = {"resourceType": "Practitioner", "id": "dr"}
    entries = [PATIENT, other, doctor, _observation("mine", "p"), _observation("theirs", "q")]
    (tmp_path / "in.json").write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                                   "entry": [{"resource": r} for r in entries]}))
    patient, resources = subject_data(tmp_path / "in.json", "p")
    assert patient.subject == "Patient/p"
    assert sorted(f"{r['resourceType']}/{r['id']}" for r in resources) == [
        "Observation/mine", "Patient/p", "Practitioner/dr"]
