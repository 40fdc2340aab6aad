"""FHIR operations over HTTP: `$apply` gives `call0603 apply`'s CarePlan for every kit case; `$evaluate` gives the
defines as FHIR types; refusals and unknown resources are OperationOutcomes with their status."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest

from call0603.service.app import Settings
from call0603.testkit.write import read_kit

from service_support import kit_bundle, kit_case, post, running

PLAN = "/fhir/PlanDefinition/call0603-reinduction/$apply"
EVALUATE = "/fhir/Library/call0603-reinduction/$evaluate"


@pytest.fixture(scope="module")
def base(package) -> Iterator[str]:  # noqa: ANN001
    with running(package, Settings(verifier=None)) as url:
        yield url


def parameters(case: Any, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The $apply / $evaluate Parameters for a kit case (its subject, start and asOf)."""
    cql = [{"name": "asOf", "valueDate": case.as_of.isoformat()}]
    if case.start:
        cql.insert(0, {"name": "start", "valueDate": case.start.isoformat()})
    params = [{"name": "subject", "valueString": case.subject},
              {"name": "parameters", "resource": {"resourceType": "Parameters", "parameter": cql}}]
    if data is not None:
        params.append({"name": "data", "resource": data})
    for name, value in extra.items():
        params += [{"name": name, **v} for v in (value if isinstance(value, list) else [value])]
    return {"resourceType": "Parameters", "parameter": params}


def outcome_text(answer: httpx.Response) -> str:
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]["details"]["text"]


def test_apply_equals_call0603_apply_for_every_kit_case(base: str) -> None:
    cases = list(read_kit())
    assert len(cases) > 50
    for case in cases:
        answer = post(base, PLAN, parameters(case, json.loads(case.bundle.read_text(encoding="utf-8"))))
        assert answer.status_code == 200, (case.name, answer.text[:300])
        assert answer.headers["content-type"].startswith("application/fhir+json")
        assert answer.json() == case.expected("expected-careplan.json"), case.name


def test_apply_by_canonical_url_and_version(base: str) -> None:
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    data = json.loads(case.bundle.read_text(encoding="utf-8"))
    url = {"valueUri": "http://fhir.call0603.org/PlanDefinition/call0603-reinduction"}
    answer = post(base, "/fhir/PlanDefinition/$apply", parameters(case, data, url=url, version={"valueString": "1.0.0"}))
    assert answer.status_code == 200 and answer.json() == case.expected("expected-careplan.json")
    wrong = post(base, "/fhir/PlanDefinition/$apply", parameters(case, data, url=url, version={"valueString": "9.9.9"}))
    assert wrong.status_code == 404 and "9.9.9" in outcome_text(wrong)
    assert post(base, "/fhir/PlanDefinition/$apply", parameters(case, data)).status_code == 400


def test_apply_records_encounter_and_author(base: str) -> None:
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    data = json.loads(case.bundle.read_text(encoding="utf-8"))
    answer = post(base, PLAN, parameters(case, data, encounter={"valueString": "Encounter/e1"},
                                         practitioner={"valueString": "Practitioner/p1"}))
    careplan = answer.json()
    assert careplan["encounter"] == {"reference": "Encounter/e1"} and careplan["author"] == {"reference": "Practitioner/p1"}
    assert {k: v for k, v in careplan.items() if k not in ("encounter", "author")} == case.expected("expected-careplan.json")


def test_refusals_say_what_call0603_says(base: str) -> None:
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    data = json.loads(case.bundle.read_text(encoding="utf-8"))
    bad_date = parameters(case, data)
    bad_date["parameter"][1]["resource"]["parameter"][0] = {"name": "start", "valueDate": "2024-02-30"}
    answer = post(base, PLAN, bad_date)
    assert answer.status_code == 400
    assert outcome_text(answer) == "call0603: Parameters.parameters: start '2024-02-30' is not a calendar date"
    no_start = parameters(case, data)
    del no_start["parameter"][1]["resource"]["parameter"][0]
    answer = post(base, PLAN, no_start)
    assert answer.status_code == 400 and outcome_text(answer).startswith("call0603: Parameters.data: no start date")
    other = parameters(case, data)
    other["parameter"][0] = {"name": "subject", "valueString": "Patient/nobody"}
    assert outcome_text(post(base, PLAN, other)) == "call0603: Parameters.data: no Patient with id 'nobody'"
    assert "no patient data" in outcome_text(post(base, PLAN, parameters(case)))
    unknown = parameters(case, data, color={"valueString": "red"})
    assert outcome_text(post(base, PLAN, unknown)) == "call0603: Parameters: unknown parameter 'color'"
    not_bundle = parameters(case, {"resourceType": "Patient", "id": "x"})
    assert "needs a Bundle" in outcome_text(post(base, PLAN, not_bundle))


def test_unknown_resources_and_bad_bodies(base: str) -> None:
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    body = parameters(case, json.loads(case.bundle.read_text(encoding="utf-8")))
    answer = post(base, "/fhir/PlanDefinition/other/$apply", body)
    assert answer.status_code == 404 and outcome_text(answer) == "PlanDefinition/other is not known"
    assert post(base, "/fhir/Library/other/$evaluate", body).status_code == 404
    garbage = httpx.post(f"{base}{PLAN}", content=b"{not json", timeout=30)
    assert garbage.status_code == 400 and outcome_text(garbage) == "the request body is not JSON"
    assert post(base, PLAN, {"resourceType": "Bundle"}).status_code == 400


def test_request_size_limit(package) -> None:  # noqa: ANN001
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    body = parameters(case, json.loads(case.bundle.read_text(encoding="utf-8")))
    with running(package, Settings(verifier=None, max_body=1000)) as url:
        answer = post(url, PLAN, body)
        assert answer.status_code == 413 and "1000 bytes" in outcome_text(answer)
        chunked = httpx.post(f"{url}{PLAN}", content=iter([json.dumps(body).encode()]), timeout=30)
        assert chunked.status_code == 413


def test_request_time_limit(package) -> None:  # noqa: ANN001
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    body = parameters(case, json.loads(case.bundle.read_text(encoding="utf-8")))
    with running(package, Settings(verifier=None, timeout=0.001)) as url:
        answer = post(url, PLAN, body)
        assert answer.status_code == 503 and outcome_text(answer) == "no answer within 0.001 s"


def _values(parameters_resource: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in parameters_resource["parameter"] if p["name"] == name]


def test_evaluate_returns_defines_as_fhir_types(base: str) -> None:
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    expected = kit_case("anc-499-day14")["assessment"]
    names = ["Idarubicin Day 14 Value", "Idarubicin Day 14 Withheld", "Study Day", "Day 0", "BSA",
             "Idarubicin Day 14 Dose", "Idarubicin Day 0 Decision", "ANC Observations"]
    answer = post(base, EVALUATE, parameters(case, kit_bundle("anc-499-day14"),
                                             expression=[{"valueString": n} for n in names]))
    assert answer.status_code == 200, answer.text[:300]
    result = answer.json()
    assert result["resourceType"] == "Parameters"
    assert list(dict.fromkeys(p["name"] for p in result["parameter"])) == names
    assert _values(result, "Idarubicin Day 14 Value") == [{"name": "Idarubicin Day 14 Value", "valueString": "withhold"}]
    assert _values(result, "Idarubicin Day 14 Withheld")[0]["valueBoolean"] is True
    assert _values(result, "Study Day")[0]["valueInteger"] == expected["studyDay"]
    assert _values(result, "Day 0")[0]["valueDate"] == expected["start"]
    assert round(_values(result, "BSA")[0]["valueDecimal"], 2) == expected["bsa"]["value"]
    assert "valueBoolean" not in _values(result, "Idarubicin Day 14 Dose")[0]
    assert _values(result, "Idarubicin Day 14 Dose")[0]["_valueBoolean"]["extension"][0]["valueCode"] == "unknown"
    decision = {p["name"]: p for p in _values(result, "Idarubicin Day 0 Decision")[0]["part"]}
    assert decision["value"]["valueString"] == "give"
    assert decision["reason"]["valueString"] == expected["idarubicin"]["day0"]["reason"]
    ancs = [p["resource"] for p in _values(result, "ANC Observations")]
    assert {a["resourceType"] for a in ancs} == {"Observation"} and "anc-day14" in {a["id"] for a in ancs}


def test_evaluate_refuses_an_unknown_define(base: str) -> None:
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    answer = post(base, EVALUATE, parameters(case, kit_bundle("anc-499-day14"), expression={"valueString": "Nope"}))
    assert answer.status_code == 400 and outcome_text(answer) == "call0603: Parameters: the Library has no define 'Nope'"


def test_evaluate_without_expressions_gives_every_define(base: str, package) -> None:  # noqa: ANN001
    case = next(c for c in read_kit() if c.name == "anc-499-day14")
    answer = post(base, EVALUATE, parameters(case, kit_bundle("anc-499-day14")))
    names = {p["name"] for p in answer.json()["parameter"]}
    assert names == {p["name"] for p in package.library["parameter"] if p["use"] == "out"}


def test_metadata_names_the_operations(base: str) -> None:
    answer = httpx.get(f"{base}/fhir/metadata", timeout=30)
    statement = answer.json()
    assert answer.status_code == 200 and statement["resourceType"] == "CapabilityStatement"
    operations = {(r["type"], o["name"], o["definition"]) for r in statement["rest"][0]["resource"] for o in r["operation"]}
    assert operations == {
        ("PlanDefinition", "apply", "http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply"),
        ("Library", "evaluate", "http://hl7.org/fhir/uv/cpg/OperationDefinition/cpg-library-evaluate"),
    }
