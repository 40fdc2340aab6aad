"""The PlanDefinition: CPG/CRMI metadata, every dose on its study day, decisions as CQL conditions, R4 names only."""

from __future__ import annotations

import dataclasses
import json
from typing import Iterator

import pytest

from call0603.authoring.text import withholding
from call0603.authoring.activitydefinition import ORDERED_DOSE_PATH, activity_canonical
from call0603.authoring.metadata import CQF_KNOWLEDGE_CAPABILITY
from call0603.authoring.plandefinition import COMPUTABLE_PLAN, CRMI_SHAREABLE_PLAN, MESSAGE_PATH, ROOT_ACTION, build_plan_definition
from call0603.guideline import load_guideline
from call0603.guideline.model import Guideline


@pytest.fixture(scope="module")
def guideline() -> Guideline:
    return load_guideline()


@pytest.fixture(scope="module")
def plan(guideline: Guideline) -> dict:
    return build_plan_definition(guideline)


def actions(action_list: list[dict]) -> Iterator[dict]:
    for action in action_list:
        yield action
        yield from actions(action.get("action", []))


def study_day(action: dict) -> int | None:
    for related in action.get("relatedAction", []):
        assert related["actionId"] == ROOT_ACTION and related["relationship"] == "after-start"
        offset = related["offsetDuration"]
        assert (offset["system"], offset["code"]) == ("http://unitsofmeasure.org", "d")
        return offset["value"]
    return None


def scheduled(plan: dict, canonical: str) -> list[int]:
    return sorted(study_day(a) for a in actions(plan["action"]) if a.get("definitionCanonical") == canonical)


def condition_of(plan: dict, action_id: str) -> str:
    (action,) = [a for a in actions(plan["action"]) if a["id"] == action_id]
    (condition,) = action["condition"]
    assert condition["kind"] == "applicability"
    return condition["expression"]["expression"]


def test_shareable_and_computable_metadata(guideline: Guideline, plan: dict) -> None:
    p = guideline.package
    assert plan["meta"]["profile"] == [COMPUTABLE_PLAN, CRMI_SHAREABLE_PLAN]
    assert (plan["url"], plan["version"], plan["name"], plan["title"]) == (p.plan_definition_url, p.version, p.plan_definition_name, p.plan_definition_title)
    assert (plan["status"], plan["experimental"], plan["date"], plan["publisher"]) == (p.status, p.experimental, p.date, p.publisher)
    assert plan["description"] == " ".join(p.description.split())
    assert {e["valueCode"] for e in plan["extension"] if e["url"] == CQF_KNOWLEDGE_CAPABILITY} >= {"shareable", "computable"}
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    assert plan["library"] == [f"{p.library_url}|{p.version}"]
    assert any(r["type"] == "citation" and p.doi in r["url"] for r in plan["relatedArtifact"])


def test_every_agent_dose_falls_on_its_study_days(guideline: Guideline, plan: dict) -> None:
    p = guideline.package
    for agent in guideline.regimen.agents:
        days = scheduled(plan, activity_canonical(p, agent.id))
        if agent.daily is not None:
            assert days == [agent.daily.first]
        else:
            assert days == list(agent.days), agent.id
    assert scheduled(plan, activity_canonical(p, "idarubicin-hold")) == list(guideline.regimen.agent("idarubicin").days)


def test_prednisolone_runs_daily_for_28_days(plan: dict) -> None:
    (action,) = [a for a in actions(plan["action"]) if a["id"] == "prednisolone"]
    repeat = action["timingTiming"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"], repeat["boundsDuration"]["value"]) == (1, 1, "d", 28)
    assert study_day(action) == 0


def test_intrathecal_schedules_depend_on_cns_status(guideline: Guideline, plan: dict) -> None:
    it = guideline.regimen.intrathecal
    for regimen in it.regimens:
        assert scheduled(plan, activity_canonical(guideline.package, regimen.id)) == list(regimen.days)
        assert condition_of(plan, regimen.id) == regimen.condition_define
    assert it.for_status("negative").days == (0, 7, 28) and it.for_status("positive").days == (0, 7, 14, 21, 28)
    assert condition_of(plan, "intrathecal-cns-indeterminate") == it.undetermined_define


def test_marrow_exams_on_days_7_14_28_with_day_14_conditional(guideline: Guideline, plan: dict) -> None:
    assert scheduled(plan, activity_canonical(guideline.package, "marrow-exam")) == [7, 14, 28]
    day14 = guideline.regimen.marrow("day14")
    assert condition_of(plan, day14.id) == day14.condition_define
    for exam in guideline.regimen.marrow_exams:
        if exam.condition_define is None:
            assert "condition" not in next(a for a in actions(plan["action"]) if a["id"] == exam.id)


def test_idarubicin_give_or_withhold_by_library_decision(guideline: Guideline, plan: dict) -> None:
    rule = guideline.regimen.withholding
    for entry in rule.decisions:
        assert condition_of(plan, f"idarubicin-day-{entry.day}-give") == entry.give_define
        assert condition_of(plan, f"idarubicin-day-{entry.day}-withhold") == entry.withhold_define
        (group,) = [a for a in actions(plan["action"]) if a["id"] == f"idarubicin-day-{entry.day}"]
        assert group["selectionBehavior"] == "at-most-one" and entry.decision_define in group["description"]
    (hold14,) = [a for a in actions(plan["action"]) if a["id"] == "idarubicin-day-14-withhold"]
    assert hold14["reason"][0]["text"] == withholding(guideline)
    assert [d.day for d in rule.decisions if d.conditional] == [14, 21]


def test_dynamic_values_fill_dose_reason_and_evidence_from_the_library(guideline: Guideline, plan: dict) -> None:
    reference = f"{guideline.package.library_url}|{guideline.package.version}"

    def dynamic(path: str, define: str) -> dict:
        return {"path": path, "expression": {"language": "text/cql-identifier", "expression": define, "reference": reference}}

    expected = {activity_canonical(guideline.package, a.id): a.ordered_dose_define for a in guideline.regimen.agents}
    days = {d.day: d for d in guideline.regimen.withholding.decisions}
    idarubicin = guideline.regimen.withholding.agent
    seen = set()
    for action in actions(plan["action"]):
        action_id = action.get("id", "")
        if action_id.startswith(f"{idarubicin}-day-") and action_id.count("-") == 3:
            entry = days[study_day(action)]
            kind = action_id.rsplit("-", 1)[1]
            supporting = dynamic("supportingInformation", entry.supporting_define)
            wanted = {
                "give": [dynamic(ORDERED_DOSE_PATH, entry.dose_define), supporting],
                "withhold": [dynamic("reasonCode[0].text", entry.reason_define), supporting],
                "undecided": [dynamic(MESSAGE_PATH, entry.reason_define)],
            }[kind]
            assert action["dynamicValue"] == wanted, action_id
            seen.add(kind)
            continue
        canonical = action.get("definitionCanonical")
        if action_id == "intrathecal-cns-indeterminate":
            assert action["dynamicValue"] == [dynamic(MESSAGE_PATH, guideline.regimen.intrathecal.reason_define)]
            continue
        if canonical not in expected:
            assert "dynamicValue" not in action, action_id
            continue
        assert action["dynamicValue"] == [dynamic(ORDERED_DOSE_PATH, expected[canonical])], action_id
    assert seen == {"give", "withhold", "undecided"}


def test_conditions_name_the_library_and_only_r4_element_names_are_used(guideline: Guideline, plan: dict) -> None:
    text = json.dumps(plan)
    assert "targetId" not in text
    ids = [a["id"] for a in actions(plan["action"])]
    assert len(ids) == len(set(ids))
    for action in actions(plan["action"]):
        for related in action.get("relatedAction", []):
            assert related["actionId"] in ids
        for condition in action.get("condition", []):
            assert condition["expression"]["language"] == "text/cql-identifier"
            assert condition["expression"]["reference"] == f"{guideline.package.library_url}|{guideline.package.version}"


def test_a_changed_schedule_in_the_guideline_moves_the_actions(guideline: Guideline) -> None:
    agents = tuple(dataclasses.replace(a, days=(0, 3, 6)) if a.id == "vincristine" else a for a in guideline.regimen.agents)
    changed = dataclasses.replace(guideline, regimen=dataclasses.replace(guideline.regimen, agents=agents))
    assert scheduled(build_plan_definition(changed), activity_canonical(guideline.package, "vincristine")) == [0, 3, 6]
