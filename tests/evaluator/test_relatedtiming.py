"""RequestGroup action timing from relatedAction: every R4 relationship, Duration and Range offsets in every UCUM
unit of time, targets later or nested, several relatedActions, and what cannot be worked out reported, not guessed."""

from __future__ import annotations

import pytest

from call0603.evaluator.content import Content
from call0603.evaluator.r4apply import ApplyRequest, apply_r4
from call0603.evaluator.relatedtiming import TimingError, related_timings, shift
from call0603.cql.datatypes.datetime import DateTime

SURGERY = {"id": "surgery", "timingPeriod": {"start": "2024-03-01T10:00:00Z", "end": "2024-03-01T12:00:00Z"}}


def _minutes(value: float, unit: str = "min") -> dict:
    return {"value": value, "system": "http://unitsofmeasure.org", "code": unit}


def _timed(action: dict, *others: dict) -> dict:
    """The timing[x] the action gets (and no problem reported)."""
    timed, problems = related_timings([*others, action], [*others, action])
    assert problems == []
    (found,) = [t for a, t in timed if a is action]
    return found


def _problems(*actions: dict, plan: list | None = None) -> list:
    timed, problems = related_timings(list(actions), plan if plan is not None else list(actions))
    return problems


@pytest.mark.parametrize(("relationship", "expected"), [
    ("before-start", "2024-03-01T09:30:00+00:00"), ("before", "2024-03-01T09:30:00+00:00"),
    ("before-end", "2024-03-01T11:30:00+00:00"), ("after-start", "2024-03-01T10:30:00+00:00"),
    ("after", "2024-03-01T12:30:00+00:00"), ("after-end", "2024-03-01T12:30:00+00:00"),
])
def test_a_duration_offset_gives_an_instant_from_the_start_or_end(relationship: str, expected: str) -> None:
    action = {"id": "a", "relatedAction": [{"actionId": "surgery", "relationship": relationship,
                                            "offsetDuration": _minutes(30)}]}
    assert _timed(action, SURGERY) == {"timingDateTime": expected}


@pytest.mark.parametrize(("relationship", "expected"), [
    ("concurrent-with-start", {"timingDateTime": "2024-03-01T10:00:00+00:00"}),
    ("concurrent-with-end", {"timingDateTime": "2024-03-01T12:00:00+00:00"}),
    ("concurrent", {"timingPeriod": {"start": "2024-03-01T10:00:00+00:00", "end": "2024-03-01T12:00:00+00:00"}}),
    ("before-start", {"timingPeriod": {"end": "2024-03-01T10:00:00+00:00"}}),
    ("before-end", {"timingPeriod": {"end": "2024-03-01T12:00:00+00:00"}}),
    ("after-start", {"timingPeriod": {"start": "2024-03-01T10:00:00+00:00"}}),
    ("after", {"timingPeriod": {"start": "2024-03-01T12:00:00+00:00"}}),
])
def test_without_an_offset_concurrent_is_the_anchor_and_before_or_after_the_open_span(relationship: str, expected: dict) -> None:
    assert _timed({"id": "a", "relatedAction": [{"actionId": "surgery", "relationship": relationship}]}, SURGERY) == expected


@pytest.mark.parametrize(("relationship", "low", "high", "expected"), [
    ("after-end", 30, 60, {"start": "2024-03-01T12:30:00+00:00", "end": "2024-03-01T13:00:00+00:00"}),
    ("before-start", 30, 60, {"start": "2024-03-01T09:00:00+00:00", "end": "2024-03-01T09:30:00+00:00"}),
    ("after-end", 30, None, {"start": "2024-03-01T12:30:00+00:00"}),
    ("before-start", None, 60, {"start": "2024-03-01T09:00:00+00:00", "end": "2024-03-01T10:00:00+00:00"}),
])
def test_a_range_offset_gives_the_span_between_its_ends(relationship: str, low, high, expected: dict) -> None:
    offset = {k: _minutes(v) for k, v in (("low", low), ("high", high)) if v is not None}
    action = {"id": "a", "relatedAction": [{"actionId": "surgery", "relationship": relationship, "offsetRange": offset}]}
    assert _timed(action, SURGERY) == {"timingPeriod": expected}


@pytest.mark.parametrize(("value", "unit", "expected"), [
    (250, "ms", "2024-01-31T10:00:00.250+00:00"), (90, "s", "2024-01-31T10:01:30.000+00:00"),
    (1.5, "h", "2024-01-31T11:30:00.000+00:00"), (2, "d", "2024-02-02T10:00:00.000+00:00"),
    (1, "wk", "2024-02-07T10:00:00.000+00:00"), (1, "mo", "2024-02-29T10:00:00.000+00:00"),
    (1, "a", "2025-01-31T10:00:00.000+00:00"), (1, "a_j", "2025-01-30T16:00:00.000+00:00"),
    (1, "mo_j", "2024-03-01T20:30:00.000+00:00"), (1, "a_g", "2025-01-30T15:49:12.000+00:00"),
    (1, "mo_g", "2024-03-01T20:29:06.000+00:00"),
])
def test_every_ucum_unit_of_time_moves_the_anchor(value: float, unit: str, expected: str) -> None:
    anchor = DateTime.parse("2024-01-31T10:00:00.000Z", None)
    assert str(shift(anchor, _minutes(value, unit), 1)) == expected


def test_a_day_precision_anchor_keeps_its_precision_by_cql_date_arithmetic() -> None:
    anchor = DateTime.parse("2024-01-31", None)
    assert str(shift(anchor, _minutes(36, "h"), 1)) == "2024-02-01"
    assert str(shift(anchor, _minutes(30, "min"), -1)) == "2024-01-31"


@pytest.mark.parametrize(("offset", "message"), [
    (_minutes(1.5, "mo"), "whole"), (_minutes(2, "days"), "not a UCUM unit of time"),
    (_minutes(-1, "h"), "negative"), (_minutes(0.0001, "s"), "finer than a millisecond"), ({"code": "h"}, "no number"),
])
def test_an_offset_that_cannot_be_added_is_refused_by_name(offset: dict, message: str) -> None:
    with pytest.raises(TimingError, match=message):
        shift(DateTime.parse("2024-01-31T10:00:00Z", None), offset, 1)


def test_a_later_or_nested_action_anchors_and_chains_resolve_in_any_order() -> None:
    first = {"id": "first", "relatedAction": [{"actionId": "second", "relationship": "before-start",
                                               "offsetDuration": _minutes(1, "d")}]}
    second = {"id": "second", "relatedAction": [{"actionId": "inner", "relationship": "after-end",
                                                 "offsetDuration": _minutes(2, "h")}]}
    group = {"id": "group", "action": [{"id": "inner", "timingDateTime": "2024-03-01T08:00:00Z"}]}
    timed, problems = related_timings([first, second, group], [first, second, group])
    assert problems == []
    assert {a["id"]: t for a, t in timed} == {"first": {"timingDateTime": "2024-02-29T10:00:00+00:00"},
                                              "second": {"timingDateTime": "2024-03-01T10:00:00+00:00"}}


def test_several_related_actions_intersect_and_spans_that_do_not_meet_are_an_error() -> None:
    lunch = {"id": "lunch", "timingDateTime": "2024-03-01T13:00:00Z"}
    between = {"id": "between", "relatedAction": [{"actionId": "surgery", "relationship": "after-end"},
                                                  {"actionId": "lunch", "relationship": "before-start"}]}
    assert _timed(between, SURGERY, lunch) == {
        "timingPeriod": {"start": "2024-03-01T12:00:00+00:00", "end": "2024-03-01T13:00:00+00:00"}}
    never = {"id": "never", "relatedAction": [{"actionId": "lunch", "relationship": "after-end"},
                                              {"actionId": "surgery", "relationship": "before-start"}]}
    ((name, why, severity),) = _problems(SURGERY, lunch, never)
    assert name == "never" and "do not meet" in why and severity == "error"


def test_a_cycle_an_unknown_target_and_an_unapplied_target_are_reported_and_leave_no_timing() -> None:
    a = {"id": "a", "relatedAction": [{"actionId": "b", "relationship": "after"}]}
    b = {"id": "b", "relatedAction": [{"actionId": "a", "relationship": "after"}]}
    cycle = _problems(a, b)
    assert len(cycle) == 1 and "cycle" in cycle[0][1] and cycle[0][2] == "error"
    lost = {"id": "lost", "relatedAction": [{"actionId": "nowhere", "relationship": "after"},
                                            {"actionId": "skipped", "relationship": "after"}]}
    timed, problems = related_timings([lost], [lost, {"id": "skipped"}])
    assert timed == []
    assert problems == [("lost", "relatedAction 'nowhere' is not an action of the plan", "error"),
                        ("lost", "relatedAction 'skipped' is not applied: no timing from it", "information")]


def test_an_offset_on_a_concurrent_relationship_or_an_unknown_relationship_is_an_error() -> None:
    for related in ({"actionId": "surgery", "relationship": "concurrent", "offsetDuration": _minutes(5)},
                    {"actionId": "surgery", "relationship": "during"}):
        ((_, why, _),) = _problems(SURGERY, {"id": "x", "relatedAction": [related]})
        assert "offset has no meaning" in why or "not an R4 action-relationship-type" in why


def test_an_action_with_its_own_timing_or_an_untimed_target_keeps_what_it_has() -> None:
    own = {"id": "own", "timingDateTime": "2024-01-01", "relatedAction": [{"actionId": "surgery", "relationship": "after"}]}
    daily = {"id": "daily", "timingTiming": {"repeat": {"boundsPeriod": {"start": "2024-03-02"}}},
             "relatedAction": [{"actionId": "surgery", "relationship": "after"}]}
    untimed = {"id": "untimed"}
    follows = {"id": "follows", "relatedAction": [{"actionId": "untimed", "relationship": "after"}]}
    actions = [SURGERY, own, daily, untimed, follows]
    timed, problems = related_timings(actions, actions)
    assert timed == [] and problems == []


def test_the_general_apply_times_request_group_actions_and_reports_what_it_cannot() -> None:
    plan = {"resourceType": "PlanDefinition", "id": "timed", "action": [
        {"id": "premed", "title": "Premedication",
         "relatedAction": [{"actionId": "infusion", "relationship": "before-start", "offsetDuration": _minutes(30)}]},
        {"id": "infusion", "timingDateTime": "2024-03-01T10:00:00Z"},
        {"id": "bad", "relatedAction": [{"actionId": "infusion", "relationship": "after", "offsetDuration": _minutes(1, "fortnight")}]},
    ]}
    now = DateTime.parse("2024-01-01T00:00:00.000Z", None)
    careplan = apply_r4(plan, Content.of([plan]), ApplyRequest("Patient/p", ({"resourceType": "Patient", "id": "p"},), now))
    premed, infusion, bad = careplan["contained"][0]["action"]
    assert premed["timingDateTime"] == "2024-03-01T09:30:00+00:00" and premed["relatedAction"] == plan["action"][0]["relatedAction"]
    assert "timingDateTime" not in bad and "timingPeriod" not in bad
    (outcome,) = [r for r in careplan["contained"] if r["resourceType"] == "OperationOutcome"]
    assert [i["diagnostics"] for i in outcome["issue"]] == [
        "PlanDefinition/timed/action[bad]: offset unit 'fortnight' is not a UCUM unit of time"]


def test_a_timing_with_dated_events_or_bounds_anchors_from_its_first_to_its_last_day() -> None:
    doses = {"id": "doses", "timingTiming": {"event": ["2024-03-08T09:00:00Z", "2024-03-01T09:00:00Z",
                                                       "2024-03-04T09:00:00Z"]}}
    course = {"id": "course", "timingTiming": {"repeat": {"boundsPeriod": {"start": "2024-04-01", "end": "2024-04-28"},
                                                          "frequency": 1, "period": 1, "periodUnit": "d"}}}
    after_doses = {"id": "a", "relatedAction": [{"actionId": "doses", "relationship": "after-end",
                                                 "offsetDuration": _minutes(1, "d")}]}
    before_doses = {"id": "b", "relatedAction": [{"actionId": "doses", "relationship": "before-start",
                                                  "offsetDuration": _minutes(1, "h")}]}
    review = {"id": "c", "relatedAction": [{"actionId": "course", "relationship": "after-end",
                                            "offsetDuration": _minutes(1, "wk")}]}
    assert _timed(after_doses, doses) == {"timingDateTime": "2024-03-09T09:00:00+00:00"}
    assert _timed(before_doses, doses) == {"timingDateTime": "2024-03-01T08:00:00+00:00"}
    assert _timed(review, course) == {"timingDateTime": "2024-05-05"}


@pytest.mark.parametrize("related", [
    "after", {"actionId": "surgery", "relationship": "after", "offsetRange": "1-2 h"},
    {"actionId": "surgery", "relationship": "after", "offsetDuration": "1 h"},
    {"actionId": "surgery", "relationship": "after", "offsetDuration": {"value": "soon", "code": "h"}},
])
def test_a_related_action_of_the_wrong_shape_is_an_error_not_a_traceback(related: object) -> None:
    ((name, _, severity),) = _problems(SURGERY, {"id": "x", "relatedAction": [related]})
    assert (name, severity) == ("x", "error")
