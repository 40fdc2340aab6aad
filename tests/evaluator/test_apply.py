"""`$apply` as a general engine: conditions (true, false, null) carried into the RequestGroup, study-day timing
(none for an untimed action), activities, dynamic values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from call0603.cql.datatypes.quantity import Quantity
from call0603.evaluator.apply import ApplyError, activity_index, apply_plan, expressions_of

LIB = "http://example.org/Library/demo|1"


def cql(name: str) -> dict:
    return {"language": "text/cql-identifier", "expression": name, "reference": LIB}


DRUG = {
    "resourceType": "ActivityDefinition", "id": "drug", "url": "http://example.org/ActivityDefinition/drug",
    "version": "1", "kind": "MedicationRequest", "intent": "proposal",
    "productCodeableConcept": {"text": "drug"},
    "dosage": [{"text": "2 mg/m2", "doseAndRate": [{"type": {"text": "calculated"}}, {"type": {"text": "ordered"}}]}],
    "dynamicValue": [{"path": "dosageInstruction[0].doseAndRate[1].dose", "expression": cql("Dose")}],
}
HOLD = {
    "resourceType": "ActivityDefinition", "id": "hold", "url": "http://example.org/ActivityDefinition/hold",
    "kind": "MedicationRequest", "doNotPerform": True, "productReference": {"reference": "#med"},
    "contained": [{"resourceType": "Medication", "id": "med", "code": {"text": "drug"}}],
}
EXAM = {"resourceType": "ActivityDefinition", "id": "exam", "url": "http://example.org/ActivityDefinition/exam",
        "kind": "ServiceRequest", "code": {"text": "exam"}}


def plan(*actions: dict) -> dict:
    return {"resourceType": "PlanDefinition", "id": "demo", "url": "http://example.org/PlanDefinition/demo",
            "version": "1", "title": "Demo", "action": [{"id": "root", "title": "Root", "action": list(actions)}]}


def after(days: int, unit: str = "d") -> list[dict]:
    return [{"actionId": "root", "relationship": "after-start", "offsetDuration": {"value": days, "code": unit}}]


def run(p: dict, values: dict) -> dict:
    seen: list[str] = []

    def evaluate(expression: dict) -> object:
        assert expression["reference"] == LIB
        seen.append(expression["expression"])
        return values[expression["expression"]]

    return apply_plan(p, activity_index([DRUG, HOLD, EXAM]), evaluate, subject="Patient/p1", start=dt.date(2024, 3, 4))


def contained(careplan: dict, rid: str) -> dict:
    return next(r for r in careplan["contained"] if r["id"] == rid)


def test_conditions_true_false_and_null_and_the_null_is_noted() -> None:
    p = plan(
        {"id": "give", "title": "Give", "condition": [{"kind": "applicability", "expression": cql("Give")}],
         "definitionCanonical": "http://example.org/ActivityDefinition/drug|1", "relatedAction": after(14)},
        {"id": "hold", "title": "Hold", "condition": [{"kind": "applicability", "expression": cql("Hold")}],
         "definitionCanonical": "http://example.org/ActivityDefinition/hold", "relatedAction": after(14)},
        {"id": "exam", "title": "Exam", "condition": [{"kind": "applicability", "expression": cql("Exam")}],
         "definitionCanonical": "http://example.org/ActivityDefinition/exam", "relatedAction": after(2, "wk")},
    )
    careplan = run(p, {"Give": None, "Hold": True, "Exam": False, "Dose": Quantity(Decimal("12.35"), "mg")})
    group = careplan["contained"][0]
    applied = [a["id"] for a in group["action"][0]["action"]]
    assert applied == ["hold"]
    assert careplan["note"] == [{"text": "Not applied: Give: applicability condition 'Give' (text/cql-identifier) is unknown (null)."}]
    hold = contained(careplan, "request-hold")
    assert hold["doNotPerform"] is True
    assert hold["medicationReference"]["reference"] == "#request-hold-med"
    assert contained(careplan, "request-hold-med")["resourceType"] == "Medication"


def test_timing_is_start_plus_offset_and_dynamic_dose_is_set() -> None:
    p = plan(
        {"id": "d0", "definitionCanonical": "http://example.org/ActivityDefinition/drug|1", "relatedAction": after(0)},
        {"id": "d21", "definitionCanonical": "http://example.org/ActivityDefinition/drug", "relatedAction": after(3, "wk")},
        {"id": "daily", "definitionCanonical": "http://example.org/ActivityDefinition/drug", "relatedAction": after(0),
         "timingTiming": {"repeat": {"boundsDuration": {"value": 28, "code": "d"}, "frequency": 1, "period": 1, "periodUnit": "d"}}},
        {"id": "exam", "definitionCanonical": "http://example.org/ActivityDefinition/exam", "relatedAction": after(7)},
    )
    careplan = run(p, {"Dose": Quantity(Decimal("12.35"), "mg")})
    actions = {a["id"]: a for a in careplan["contained"][0]["action"][0]["action"]}
    assert actions["d0"]["timingDateTime"] == "2024-03-04"
    assert actions["d21"]["timingDateTime"] == "2024-03-25"
    assert actions["daily"]["timingTiming"]["repeat"]["boundsPeriod"] == {"start": "2024-03-04", "end": "2024-03-31"}
    d21 = contained(careplan, "request-d21")
    assert d21["dosageInstruction"][0]["doseAndRate"][1]["doseQuantity"] == {
        "value": 12.35, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    assert d21["dosageInstruction"][0]["timing"] == {"event": ["2024-03-25"]}
    assert d21["instantiatesCanonical"] == ["http://example.org/ActivityDefinition/drug|1"]
    assert contained(careplan, "request-exam")["occurrenceDateTime"] == "2024-03-11"
    assert careplan["period"] == {"start": "2024-03-04"}
    assert careplan["activity"] == [{"reference": {"reference": "#request-group"}}]
    assert "note" not in careplan


def test_null_dose_sets_nothing_rather_than_a_guess() -> None:
    p = plan({"id": "d0", "definitionCanonical": "http://example.org/ActivityDefinition/drug|1", "relatedAction": after(0)})
    dose_and_rate = contained(run(p, {"Dose": None}), "request-d0")["dosageInstruction"][0]["doseAndRate"]
    assert set(dose_and_rate[1]) == {"type"}


def test_action_dynamic_values_set_the_request_group_action() -> None:
    p = plan({"id": "why", "textEquivalent": "undecided", "condition": [{"kind": "applicability", "expression": cql("Undecided")}],
              "dynamicValue": [{"path": "action.description", "expression": cql("Reason")}]})
    action = run(p, {"Undecided": True, "Reason": "counts required"})["contained"][0]["action"][0]["action"][0]
    assert action["description"] == "counts required"


def test_expressions_of_lists_conditions_and_activity_dynamic_values() -> None:
    p = plan({"id": "g", "condition": [{"kind": "applicability", "expression": cql("Give")}],
              "definitionCanonical": "http://example.org/ActivityDefinition/drug|1"})
    names = [e["expression"] for e in expressions_of(p, activity_index([DRUG]))]
    assert names == ["Give", "Dose"]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"id": "x", "definitionCanonical": "http://example.org/ActivityDefinition/none"}, "not in the package"),
        ({"id": "x", "condition": [{"kind": "applicability", "expression": cql("Text")}]}, "is not a Boolean"),
        ({"id": "x", "relatedAction": [{"actionId": "nowhere", "relationship": "after-start"}]}, "is not an action of the plan"),
        ({"id": "x", "relatedAction": [{"actionId": "x", "relationship": "after-start"}]}, "form a cycle"),
        ({"id": "x", "relatedAction": after(2, "h")}, "not a whole number of days"),
        ({"id": "x", "relatedAction": [{"actionId": "root", "relationship": "after-end"}]}, "has no end day"),
        ({"id": "x", "relatedAction": [{"actionId": "root", "relationship": "after-start"}]}, "not one study day"),
        ({"id": "x", "relatedAction": [{"actionId": "root", "relationship": "after-start", "offsetRange": {
            "low": {"value": 1, "code": "d"}, "high": {"value": 2, "code": "d"}}}]}, "not one study day"),
        ({"id": "x", "relatedAction": after(1, "days")}, "not a UCUM unit of time"),
        ({"id": "x", "relatedAction": [{"actionId": "root", "relationship": "after-start",
                                        "offsetDuration": {"value": "soon", "code": "d"}}]}, "not a number"),
        ({"id": "x", "relatedAction": ["root"]}, "not an R4 relatedAction"),
    ],
)
def test_a_plan_that_cannot_be_applied_says_which_action_and_why(action: dict, message: str) -> None:
    with pytest.raises(ApplyError, match=message):
        run(plan(action), {"Text": "yes"})


def test_choice_elements_take_the_json_name_of_the_value_type_and_unknown_elements_are_refused() -> None:
    from call0603.evaluator.fhirvalue import PathError, set_path

    request = {"resourceType": "MedicationRequest"}
    set_path(request, "dosageInstruction[0].doseAndRate[0].dose", {"value": 1}, value_type="Quantity")
    assert request["dosageInstruction"][0]["doseAndRate"][0] == {"doseQuantity": {"value": 1}}
    with pytest.raises(PathError, match=r"dose\[x\] has no type for a string value"):
        set_path(request, "dosageInstruction[0].doseAndRate[0].dose", "ten", value_type="string")
    with pytest.raises(PathError, match="MedicationRequest has no element 'dosage'"):
        set_path(request, "dosage[0].text", "x", value_type="string")


def test_applying_never_changes_the_plan_or_its_activities_and_each_careplan_has_its_own_changes() -> None:
    import orjson

    timed = {"id": "daily", "definitionCanonical": DRUG["url"], "relatedAction": after(7),
             "timingTiming": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                         "boundsDuration": {"value": 3, "code": "d"}}}}
    p = plan(timed, {"id": "hold", "definitionCanonical": HOLD["url"], "relatedAction": after(14)},
             {"id": "note", "title": "t", "dynamicValue": [{"path": "action.title", "expression": cql("Title")}]})
    before = orjson.dumps([p, DRUG, HOLD])
    first = run(p, {"Dose": Quantity(Decimal(5), "mg"), "Title": "first"})
    second = run(p, {"Dose": Quantity(Decimal(7), "mg"), "Title": "second"})
    assert orjson.dumps([p, DRUG, HOLD]) == before
    dose = lambda cp: contained(cp, "request-daily")["dosageInstruction"][0]["doseAndRate"][1]["doseQuantity"]["value"]  # noqa: E731
    assert (dose(first), dose(second)) == (5, 7)
    bounds = first["contained"][0]["action"][0]["action"][0]["timingTiming"]["repeat"]["boundsPeriod"]
    assert bounds == {"start": "2024-03-11", "end": "2024-03-13"}
    assert first["contained"][0]["action"][0]["action"][2]["title"] == "first"


def test_set_path_copies_on_write_and_leaves_shared_elements_alone() -> None:
    from call0603.evaluator.fhirvalue import set_path

    shared = [{"text": "2 mg/m2", "doseAndRate": [{"type": {"text": "ordered"}}]}]
    request = {"resourceType": "MedicationRequest", "dosageInstruction": shared}
    set_path(request, "dosageInstruction[0].doseAndRate[0].dose", {"value": 1}, value_type="Quantity")
    set_path(request, "dosageInstruction.text", "1 mg")
    assert shared == [{"text": "2 mg/m2", "doseAndRate": [{"type": {"text": "ordered"}}]}]
    assert request["dosageInstruction"] == [{"text": "1 mg", "doseAndRate": [{"type": {"text": "ordered"},
                                                                             "doseQuantity": {"value": 1}}]}]


def test_action_paths_on_an_action_with_a_definition_set_the_action_and_nested_paths_the_nested_action() -> None:
    p = plan({"id": "dose", "definitionCanonical": DRUG["url"], "relatedAction": after(0),
              "dynamicValue": [{"path": "action.title", "expression": cql("Title")}],
              "action": [{"id": "child", "title": "c",
                          "dynamicValue": [{"path": "action.action.description", "expression": cql("Title")}]}]})
    careplan = run(p, {"Dose": Quantity(Decimal(5), "mg"), "Title": "given"})
    dose = careplan["contained"][0]["action"][0]["action"][0]
    assert dose["title"] == "given"
    assert "title" not in contained(careplan, "request-dose")
    assert dose["action"] == [{"id": "child", "title": "c", "description": "given"}]


def test_a_related_action_may_be_a_later_action_and_concurrent_is_the_same_day() -> None:
    p = plan({"id": "exam", "definitionCanonical": EXAM["url"],
              "relatedAction": [{"actionId": "dose", "relationship": "before-start", "offsetDuration": {"value": 1, "code": "wk"}}]},
             {"id": "dose", "definitionCanonical": EXAM["url"], "relatedAction": after(14)},
             {"id": "same", "definitionCanonical": EXAM["url"],
              "relatedAction": [{"actionId": "dose", "relationship": "concurrent"}]})
    careplan = run(p, {})
    days = {a["id"]: a["timingDateTime"] for a in careplan["contained"][0]["action"][0]["action"]}
    assert days == {"exam": "2024-03-11", "dose": "2024-03-18", "same": "2024-03-18"}
def test_a_service_request_orders_the_service_not_the_activity_type() -> None:
    from call0603.evaluator.apply import CPG_ACTIVITY_TYPE, ApplyError, service_code

    typed = {"coding": [{"system": CPG_ACTIVITY_TYPE, "code": "order-service"}, {"system": "http://loinc.org", "code": "48807-2"}], "text": "Marrow"}
    assert service_code({"id": "x", "code": typed}) == {"coding": [{"system": "http://loinc.org", "code": "48807-2"}], "text": "Marrow"}
    with pytest.raises(ApplyError, match="only the activity type"):
        service_code({"id": "x", "code": {"coding": [{"system": CPG_ACTIVITY_TYPE, "code": "order-service"}]}})


def test_applied_actions_carry_their_conditions_into_the_request_group() -> None:
    give = {"kind": "applicability", "expression": cql("Give")}
    stop = {"kind": "stop", "expression": cql("Stop")}
    p = plan({"id": "give", "condition": [give, stop], "definitionCanonical": EXAM["url"], "relatedAction": after(0)},
             {"id": "plain", "definitionCanonical": EXAM["url"], "relatedAction": after(0)})
    actions = run(p, {"Give": True})["contained"][0]["action"][0]["action"]
    assert actions[0]["condition"] == [give, stop]
    assert "condition" not in actions[1]


def test_an_untimed_action_gets_no_timing_and_its_request_no_date_but_a_timed_groups_children_share_its_day() -> None:
    untimed = {"resourceType": "PlanDefinition", "id": "demo", "url": "http://example.org/PlanDefinition/demo", "action": [
        {"id": "drug", "definitionCanonical": DRUG["url"]},
        {"id": "exam", "definitionCanonical": EXAM["url"]},
        {"id": "repeat", "definitionCanonical": EXAM["url"],
         "timingTiming": {"repeat": {"boundsDuration": {"value": 3, "code": "d"}, "frequency": 1, "period": 1, "periodUnit": "d"}}},
        {"id": "group", "relatedAction": [{"actionId": "course", "relationship": "after-start",
                                           "offsetDuration": {"value": 2, "code": "d"}}],
         "action": [{"id": "child", "definitionCanonical": EXAM["url"]}]},
        {"id": "course", "title": "The course: day 0 is the start"},
    ]}
    careplan = run(untimed, {"Dose": Quantity(Decimal("1"), "mg")})
    drug, exam, repeat, group, course = careplan["contained"][0]["action"]
    assert not any(k.startswith("timing") for a in (drug, exam, course) for k in a)
    assert repeat["timingTiming"] == untimed["action"][2]["timingTiming"]
    assert "timing" not in contained(careplan, "request-drug")["dosageInstruction"][0]
    assert not any(k.startswith("occurrence") for k in contained(careplan, "request-exam"))
    assert contained(careplan, "request-repeat")["occurrenceTiming"] == untimed["action"][2]["timingTiming"]
    assert group["timingDateTime"] == "2024-03-06" and group["action"][0]["timingDateTime"] == "2024-03-06"
    assert contained(careplan, "request-child")["occurrenceDateTime"] == "2024-03-06"


def test_study_days_follow_every_r4_relationship_in_whole_days_of_any_ucum_unit() -> None:
    daily = {"repeat": {"boundsDuration": {"value": 28, "code": "d"}, "frequency": 1, "period": 1, "periodUnit": "d"}}

    def rel(target: str, relationship: str, value: int, unit: str = "d") -> dict:
        return {"actionId": target, "relationship": relationship, "offsetDuration": {"value": value, "code": unit}}

    p = plan({"id": "course", "definitionCanonical": EXAM["url"], "relatedAction": after(0), "timingTiming": daily},
             {"id": "next", "definitionCanonical": EXAM["url"], "relatedAction": [rel("course", "after-end", 1)]},
             {"id": "before-end", "definitionCanonical": EXAM["url"], "relatedAction": [rel("course", "before-end", 48, "h")]},
             {"id": "month", "definitionCanonical": EXAM["url"], "relatedAction": [rel("course", "after-start", 1, "mo")]},
             {"id": "both", "definitionCanonical": EXAM["url"],
              "relatedAction": [rel("next", "before-start", 1, "wk"), rel("course", "after-start", 21)]},
             {"id": "at-end", "definitionCanonical": EXAM["url"],
              "relatedAction": [{"actionId": "course", "relationship": "concurrent-with-end"}]})
    days = {a["id"]: a["timingDateTime"] for a in run(p, {})["contained"][0]["action"][0]["action"] if a["id"] != "course"}
    assert days == {"next": "2024-04-01", "before-end": "2024-03-29", "month": "2024-04-04", "both": "2024-03-25",
                    "at-end": "2024-03-31"}
    clash = plan({"id": "x", "definitionCanonical": EXAM["url"], "relatedAction": [*after(1), *after(2)]})
    with pytest.raises(ApplyError, match="do not meet"):
        run(clash, {})
