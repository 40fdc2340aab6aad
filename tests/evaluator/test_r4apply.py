"""General R4 `$apply` on small content of its own: CQL parameters reaching the Library, conditions true, false and
null, `action.` paths, contained definitions, and CQL parameters read from a FHIR Parameters resource."""

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
