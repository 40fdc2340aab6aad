"""CDS Hooks over HTTP: discovery, patient-view and order-sign cards (valid against the CDS Hooks schemas, and
saying what the kit's expected assessment says), feedback, and the data a call needs."""

from __future__ import annotations

import copy
import datetime as _dt
import logging
from typing import Any, Iterator

import httpx
import pytest

from call0603.service.app import Settings
from call0603.service.hooks import schema_errors
from service_support import as_of, kit_bundle, kit_case, on_course, post, prefetch_of, running

PLAN_URL = "http://fhir.call0603.org/PlanDefinition/call0603-reinduction"
PATIENT_VIEW = "/cds-services/call0603-reinduction-patient-view"
ORDER_SIGN = "/cds-services/call0603-reinduction-order-sign"
IDARUBICIN = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "5650"}], "text": "idarubicin"}


@pytest.fixture(scope="module")
def day20(package) -> Iterator[str]:  # noqa: ANN001
    """The service evaluating as of 2024-03-20 (study day 16 of the kit's course), unauthenticated."""
    with running(package, Settings(verifier=None, as_of=as_of("2024-03-20"))) as url:
        yield url


def hook_request(hook: str, case: str, package: Any, **context: Any) -> dict[str, Any]:
    """A hook call for a kit case on the course, with the prefetch the discovery document asks for."""
    document = kit_case(case)
    bundle = on_course(kit_bundle(case), PLAN_URL, document["start"])
    patient_id = document["subject"].removeprefix("Patient/")
    return {"hook": hook, "hookInstance": f"{hook}-{case}",
            "context": {"userId": "Practitioner/dr", "patientId": patient_id, **context},
            "prefetch": prefetch_of(bundle, package.templates)}


def cards_of(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert schema_errors("response", body) == []
    return body["cards"]


def test_discovery_lists_both_services_with_prefetch_from_data_requirements(day20: str, package) -> None:  # noqa: ANN001
    document = httpx.get(f"{day20}/cds-services", timeout=30).json()
    assert schema_errors("discovery", document) == []
    assert [(s["id"], s["hook"]) for s in document["services"]] == [
        ("call0603-reinduction-patient-view", "patient-view"), ("call0603-reinduction-order-sign", "order-sign")]
    kinds = {r["type"] for r in package.library["dataRequirement"]}
    for service in document["services"]:
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        assert {t.split("?")[0].split("/")[0] for t in prefetch.values()} == kinds
        assert all(t == "Patient/{{context.patientId}}" or t.endswith("?subject=Patient/{{context.patientId}}")
                   for t in prefetch.values())


@pytest.mark.parametrize("case", ["anc-499-day14", "anc-missing", "platelets-low-anc-missing", "anc-500-day14",
                                  "anc-preliminary"])
def test_patient_view_cards_say_the_assessment(day20: str, package, case: str) -> None:  # noqa: ANN001
    expected = kit_case(case)["assessment"]
    assert expected["asOf"] == "2024-03-20"
    cards = cards_of(post(day20, PATIENT_VIEW, hook_request("patient-view", case, package)))
    reached = {k: v for k, v in expected["idarubicin"].items() if v["value"] != "pending"}
    assert len(cards) == len(reached) and reached
    by_day = {c["summary"].split(":")[0]: c for c in cards}
    for key, decision in reached.items():
        card = by_day[f"Idarubicin study day {key.removeprefix('day')}"]
        word = {"give": "give", "withhold": "withhold", "indeterminate": "not decided"}[decision["value"]]
        assert card["summary"].split(": ")[1].startswith(word)
        assert card["detail"] == decision["reason"]
        assert card["indicator"] == ("info" if decision["value"] == "give" else "warning")
        assert card["source"]["url"] == PLAN_URL


def test_patient_view_day14_withhold_card(day20: str, package) -> None:  # noqa: ANN001
    cards = cards_of(post(day20, PATIENT_VIEW, hook_request("patient-view", "anc-499-day14", package)))
    assert [(c["summary"], c["indicator"]) for c in cards] == [
        ("Idarubicin study day 0: give 12.58 mg", "info"),
        ("Idarubicin study day 7: give 12.58 mg", "info"),
        ("Idarubicin study day 14: withhold", "warning"),
    ]
    assert cards[2]["detail"].startswith("counts low: ANC 499/µL (below 500/µL)")
    again = cards_of(post(day20, PATIENT_VIEW, hook_request("patient-view", "anc-499-day14", package)))
    assert again == cards


def test_patient_view_intrathecal_waits_on_cns_status(package) -> None:  # noqa: ANN001
    document = kit_case("cns-unknown-no-csf")
    with running(package, Settings(verifier=None, as_of=as_of(document["asOf"]))) as url:
        cards = cards_of(post(url, PATIENT_VIEW, hook_request("patient-view", "cns-unknown-no-csf", package)))
    intrathecal = [c for c in cards if c["summary"].startswith("Intrathecal")]
    assert len(intrathecal) == 1 and intrathecal[0]["indicator"] == "warning"
    assert intrathecal[0]["detail"] == document["assessment"]["cnsStatus"]["reason"]


def test_a_patient_off_the_course_gets_a_card_saying_why(day20: str, package) -> None:  # noqa: ANN001
    request = hook_request("patient-view", "anc-499-day14", package)
    request["prefetch"]["careplan"] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    cards = cards_of(post(day20, PATIENT_VIEW, request))
    assert len(cards) == 1 and cards[0]["summary"].endswith("not assessed") and cards[0]["indicator"] == "info"
    assert cards[0]["detail"].startswith("prefetch: no start date")


def draft(day: str | None, order_id: str = "draft-1") -> dict[str, Any]:
    order: dict[str, Any] = {"resourceType": "MedicationRequest", "id": order_id, "status": "draft", "intent": "order",
                             "medicationCodeableConcept": IDARUBICIN, "subject": {"reference": "Patient/x"},
                             "encounter": {"reference": "Encounter/e1"}}
    if day:
        order["dosageInstruction"] = [{"timing": {"event": [day]}}]
    return order


def order_sign(case: str, package: Any, *orders: dict[str, Any]) -> dict[str, Any]:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in orders]}
    return hook_request("order-sign", case, package, draftOrders=bundle)


def test_order_sign_on_a_withhold_day_suggests_the_do_not_perform_request(day20: str, package) -> None:  # noqa: ANN001
    expected = kit_case("anc-499-day14")["assessment"]["idarubicin"]["day14"]
    cards = cards_of(post(day20, ORDER_SIGN, order_sign("anc-499-day14", package, draft("2024-03-18"))))
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "warning" and card["summary"] == "Idarubicin on 2024-03-18: withhold"
    assert card["detail"] == expected["reason"]
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    delete, create = suggestion["actions"]
    assert delete == {"type": "delete", "description": "Remove the draft idarubicin order",
                      "resourceId": ["MedicationRequest/draft-1"]}
    resource = create["resource"]
    assert create["type"] == "create" and resource["resourceType"] == "MedicationRequest"
    assert resource["doNotPerform"] is True and "id" not in resource
    assert resource["reasonCode"][0]["text"] == expected["reason"]
    assert resource["dosageInstruction"][0]["timing"]["event"] == ["2024-03-18"]
    assert resource["encounter"] == {"reference": "Encounter/e1"}
    assert resource["subject"] == {"reference": "Patient/anc-499-day14"}


def test_order_sign_on_a_give_day_or_another_drug_is_silent(day20: str, package) -> None:  # noqa: ANN001
    assert cards_of(post(day20, ORDER_SIGN, order_sign("anc-499-day14", package, draft("2024-03-11")))) == []
    other = draft("2024-03-18")
    other["medicationCodeableConcept"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "11202"}]}
    assert cards_of(post(day20, ORDER_SIGN, order_sign("anc-499-day14", package, other))) == []
    assert cards_of(post(day20, ORDER_SIGN, order_sign("anc-500-day14", package, draft("2024-03-18")))) == []


def test_order_sign_not_decided_and_undated(day20: str, package) -> None:  # noqa: ANN001
    expected = kit_case("anc-missing")["assessment"]["idarubicin"]["day14"]
    cards = cards_of(post(day20, ORDER_SIGN, order_sign("anc-missing", package, draft("2024-03-18"), draft(None, "d2"))))
    assert [(c["summary"], c["indicator"]) for c in cards] == [
        ("Idarubicin on 2024-03-18: not decided", "warning"), ("Idarubicin order has no day: not checked", "warning")]
    assert cards[0]["detail"] == expected["reason"] and "suggestions" not in cards[0]


def test_missing_prefetch_without_fhir_server_is_412(day20: str, package) -> None:  # noqa: ANN001
    request = hook_request("patient-view", "anc-499-day14", package)
    del request["prefetch"]["observation"]
    answer = post(day20, PATIENT_VIEW, request)
    assert answer.status_code == 412 and "observation" in answer.json()["issue"][0]["details"]["text"]


def test_bad_hook_calls_are_refused(day20: str, package) -> None:  # noqa: ANN001
    request = hook_request("patient-view", "anc-499-day14", package)
    assert post(day20, "/cds-services/nope", request).status_code == 404
    assert post(day20, ORDER_SIGN, request).status_code == 400
    no_instance = copy.deepcopy(request)
    del no_instance["hookInstance"]
    answer = post(day20, PATIENT_VIEW, no_instance)
    assert answer.status_code == 400 and "hookInstance" in answer.json()["issue"][0]["details"]["text"]
    no_patient = copy.deepcopy(request)
    del no_patient["context"]["patientId"]
    assert post(day20, PATIENT_VIEW, no_patient).status_code == 400


def test_feedback_is_accepted_and_checked(day20: str) -> None:
    good = {"feedback": [{"card": "c1", "outcome": "accepted", "acceptedSuggestions": [{"id": "s1"}],
                          "outcomeTimestamp": "2024-03-18T10:00:00Z"}]}
    answer = post(day20, f"{PATIENT_VIEW}/feedback", good)
    assert answer.status_code == 200 and answer.json() == {}
    assert post(day20, f"{PATIENT_VIEW}/feedback", {"feedback": [{"card": "c1", "outcome": "maybe"}]}).status_code == 400


def test_no_patient_data_in_the_logs(day20: str, package, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    request = hook_request("patient-view", "anc-499-day14", package)
    request["prefetch"]["patient"]["name"] = [{"family": "Zyxwvutsrq"}]
    post(day20, PATIENT_VIEW, request)
    post(day20, PATIENT_VIEW, {**request, "hook": "broken"})
    post(day20, "/fhir/PlanDefinition/call0603-reinduction/$apply", {"resourceType": "Parameters", "parameter": [
        {"name": "data", "resource": {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": request["prefetch"]["patient"]}]}}]})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Zyxwvutsrq" not in text and "anc-499-day14" not in text and "ANC 499" not in text
