"""ActivityDefinitions: CPG medication-request activities with RxNorm/SNOMED codes, calculated and ordered doses."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from call0603.authoring.text import withholding
from call0603.authoring.activitydefinition import (
    MEDICATION_REQUEST_ACTIVITY,
    ORDERED_DOSE_PATH,
    SERVICE_REQUEST_ACTIVITY,
    activity_id,
    build_activity_definitions,
)
from call0603.guideline import load_guideline
from call0603.guideline.model import Guideline


@pytest.fixture(scope="module")
def guideline() -> Guideline:
    return load_guideline()


@pytest.fixture(scope="module")
def activities(guideline: Guideline) -> dict[str, dict]:
    return {r["id"]: r for r in build_activity_definitions(guideline)}


def _codes(concept: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept["coding"]}


def test_one_activity_per_agent_intrathecal_regimen_hold_and_marrow_exam(guideline: Guideline, activities: dict[str, dict]) -> None:
    expected = [a.id for a in guideline.regimen.agents] + ["idarubicin-hold"]
    expected += [r.id for r in guideline.regimen.intrathecal.regimens] + ["marrow-exam", "decision-needed"]
    assert sorted(activities) == sorted(activity_id(e) for e in expected)
    for resource in activities.values():
        assert resource["url"] == f"{guideline.package.canonical}/ActivityDefinition/{resource['id']}"
        assert resource["version"] == guideline.package.version and resource["date"] == guideline.package.date
        assert resource["intent"] == "proposal" and isinstance(resource["doNotPerform"], bool)


def test_agent_activities_carry_codes_route_and_the_calculated_dose(guideline: Guideline, activities: dict[str, dict]) -> None:
    ucum = "http://unitsofmeasure.org"
    for agent in guideline.regimen.agents:
        resource = activities[activity_id(agent.id)]
        assert resource["kind"] == "MedicationRequest" and resource["doNotPerform"] is False
        assert MEDICATION_REQUEST_ACTIVITY in resource["meta"]["profile"]
        assert _codes(resource["productCodeableConcept"]) == {
            (agent.substance.rxnorm.system, agent.substance.rxnorm.code),
            (agent.substance.snomed.system, agent.substance.snomed.code),
        }
        (dosage,) = resource["dosage"]
        assert _codes(dosage["route"]) == {(agent.route.system, agent.route.code)}
        calculated, ordered = dosage["doseAndRate"]
        assert calculated["type"]["coding"][0]["code"] == "calculated"
        assert ordered["type"]["coding"][0]["code"] == "ordered" and "doseQuantity" not in ordered
        quantity = calculated["doseQuantity"]
        assert (Decimal(str(quantity["value"])), quantity["system"], quantity["code"]) == (agent.dose.value, ucum, agent.dose.unit)
        assert resource["dynamicValue"] == [{
            "path": ORDERED_DOSE_PATH,
            "expression": {"language": "text/cql-identifier", "expression": agent.ordered_dose_define,
                           "reference": f"{guideline.package.library_url}|{guideline.package.version}"},
        }]
        assert resource["library"] == [f"{guideline.package.library_url}|{guideline.package.version}"]


def test_units_are_ucum_per_square_metre(activities: dict[str, dict]) -> None:
    units = {r["id"]: r["dosage"][0]["doseAndRate"][0]["doseQuantity"] for r in activities.values() if "doseAndRate" in r.get("dosage", [{}])[0]}
    assert units[activity_id("asparaginase")]["code"] == "[iU]/m2" and units[activity_id("asparaginase")]["unit"] == "IU/m2"
    assert units[activity_id("asparaginase")]["value"] == 6000 and isinstance(units[activity_id("asparaginase")]["value"], int)
    assert units[activity_id("vincristine")]["value"] == 1.5 and units[activity_id("idarubicin")]["code"] == "mg/m2"


def test_prednisolone_is_daily_for_the_whole_window(guideline: Guideline, activities: dict[str, dict]) -> None:
    agent = guideline.regimen.agent("prednisolone")
    timing = activities[activity_id("prednisolone")]["dosage"][0]["timing"]["repeat"]
    assert timing["frequency"] == 1 and timing["period"] == 1 and timing["periodUnit"] == "d"
    assert timing["boundsDuration"]["value"] == len(agent.daily.days) == 28
    assert "/day" in activities[activity_id("prednisolone")]["dosage"][0]["text"]


def test_idarubicin_hold_is_do_not_perform_with_the_rationale(guideline: Guideline, activities: dict[str, dict]) -> None:
    hold = activities[activity_id("idarubicin-hold")]
    rationale = withholding(guideline)
    assert "below 500/uL" in rationale and "below 50,000/uL" in rationale and "study day 14 or 21" in rationale
    assert hold["doNotPerform"] is True and hold["kind"] == "MedicationRequest"
    assert _codes(hold["productCodeableConcept"]) == _codes(activities[activity_id("idarubicin")]["productCodeableConcept"])
    assert hold["usage"] == rationale and rationale in hold["description"]
    assert "doseAndRate" not in hold["dosage"][0] and "dynamicValue" not in hold


def test_intrathecal_activities_carry_no_dose(guideline: Guideline, activities: dict[str, dict]) -> None:
    for regimen in guideline.regimen.intrathecal.regimens:
        resource = activities[activity_id(regimen.id)]
        (medication,) = resource["contained"]
        assert resource["productReference"]["reference"] == f"#{medication['id']}"
        assert [_codes(i["itemCodeableConcept"]) for i in medication["ingredient"]] == [
            {(s.rxnorm.system, s.rxnorm.code), (s.snomed.system, s.snomed.code)} for s in regimen.substances
        ]
        (dosage,) = resource["dosage"]
        assert set(dosage) == {"sequence", "text", "route"}
        assert "age-based per institutional protocol" in dosage["text"]
        assert "dynamicValue" not in resource
        assert _codes(dosage["route"]) == {(regimen.route.system, regimen.route.code)}


def test_marrow_exam_is_a_service_request_activity(guideline: Guideline, activities: dict[str, dict]) -> None:
    exam = activities[activity_id("marrow-exam")]
    procedure = guideline.terminology.procedures["marrow-exam"]
    assert exam["kind"] == "ServiceRequest" and SERVICE_REQUEST_ACTIVITY in exam["meta"]["profile"]
    # cpg-servicerequestactivity requires the activity type (a pattern on code) beside the service's own code
    assert _codes(exam["code"]) == {(procedure.system, procedure.code), ("http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-activity-type-cs", "order-service")}
    assert exam["doNotPerform"] is False


def test_a_changed_dose_in_the_guideline_is_the_new_calculated_dose(guideline: Guideline) -> None:
    agents = tuple(
        dataclasses.replace(a, dose=dataclasses.replace(a.dose, value=Decimal("12.5"))) if a.id == "idarubicin" else a
        for a in guideline.regimen.agents
    )
    changed = dataclasses.replace(guideline, regimen=dataclasses.replace(guideline.regimen, agents=agents))
    idarubicin = next(r for r in build_activity_definitions(changed) if r["id"] == activity_id("idarubicin"))
    assert idarubicin["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 12.5
    assert "12.5 mg/m2" in idarubicin["description"]
