"""The sample-bundle test kit: every scenario passes in the Python evaluator, its files are up to date, and the
kit's checks can fail (a wrong hand-written value or a changed expected file is caught)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kit_support
from call0603.cli import app
from call0603.testkit.docs import DOC, blocks, rendered
from call0603.testkit.run import check_careplan, check_expect, check_ignored, matches, run_python
from call0603.testkit.scenarios import SCENARIOS, by_name
from call0603.testkit.write import ASSESSMENT, CASE, KIT, dump_json, read_case, scenario_files

NAMES = sorted(s.name for s in SCENARIOS)

#: The boundaries the kit must cover (the issue's list), each by the scenarios that prove it.
REQUIRED = {
    "ANC 499/500/501": ("anc-499-day14", "anc-500-day14", "anc-501-day14"),
    "platelets 49,999/50,000": ("platelets-49999-day14", "platelets-50000-day14"),
    "blasts 4.9/5/25/25.1%": ("day7-blasts-4.9", "day7-blasts-5", "day7-blasts-25", "day7-blasts-25.1"),
    "23/24 months": ("relapse-23-months", "relapse-24-months"),
    "ages 0.99/1/21.99/22": ("age-0.99", "age-1", "age-21.99", "age-22"),
    "units": ("anc-0.5-per-nL", "anc-0.4-10e9-per-L", "anc-500-per-mm3", "anc-unconvertible-unit"),
    "M3 override day 14 and 21": ("m3-override-day14", "m3-override-day21"),
    "pending day-14 marrow": ("day14-marrow-pending",),
    "missing counts": ("anc-missing", "counts-missing"),
    "entered-in-error and preliminary": ("anc-entered-in-error", "anc-preliminary"),
    "counts outside the window": ("anc-day12-outside-window", "anc-own-offset"),
    "as-of before a result": ("as-of-before-marrow",),
    "induction death": ("induction-death-day20", "death-day31-after-window"),
    "CNS positive/negative/unknown": ("cns-positive", "cns-negative-wbc-5", "cns-unknown-no-cytology"),
}


def test_the_kit_has_at_least_40_scenarios_covering_every_listed_boundary() -> None:
    names = set(by_name())
    assert len(names) >= 40
    missing = {what: [n for n in cases if n not in names] for what, cases in REQUIRED.items()}
    assert not {k: v for k, v in missing.items() if v}


def test_every_scenario_states_what_it_proves_and_the_values_the_spec_demands() -> None:
    for s in SCENARIOS:
        assert s.proves and s.rule and s.source, s.name
        assert s.expect, f"{s.name} has no hand-written expected value"


def test_the_case_folders_are_exactly_the_scenarios() -> None:
    assert sorted(c.name for c in kit_support.cases()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_bundle_and_case_files_are_up_to_date(name: str) -> None:
    folder = KIT / name
    for file, text in scenario_files(by_name()[name]).items():
        assert (folder / file).read_text(encoding="utf-8") == text, f"{folder / file}: run `call0603 test-kit --update`"


@pytest.mark.parametrize("name", NAMES)
def test_scenario_passes_in_the_python_evaluator(name: str) -> None:
    outcome = kit_support.python_outcomes()[name]
    assert outcome.passed, outcome.failures


def test_expected_files_are_deterministic_json() -> None:
    for case in kit_support.cases():
        for file in (ASSESSMENT, "expected-careplan.json", "bundle.json"):
            text = (case.folder / file).read_text(encoding="utf-8")
            assert text == dump_json(json.loads(text)), case.folder / file


def test_a_wrong_hand_written_value_is_caught() -> None:
    case = read_case(KIT / "anc-499-day14")
    report = kit_support.python_outcomes()["anc-499-day14"].assessment
    wrong = replace(case, expect={**case.expect, "idarubicin.day14": "give"})
    assert check_expect(wrong, report) == ["report: idarubicin.day14 is 'withhold', the spec demands 'give'"]
    careplan = kit_support.python_outcomes()["anc-499-day14"].careplan
    assert check_careplan(wrong, careplan) == ["careplan: no action idarubicin-day-14-give"]
    assert check_careplan(case, careplan) == []
    unlisted = replace(case, ignored=("Observation/anc-day14",))
    assert check_ignored(unlisted, report) == ["report: Observation/anc-day14 is not in ignored"]


def test_numbers_are_compared_at_their_written_precision() -> None:
    assert matches(1.26, 1.2580849)
    assert not matches(1.25, 1.2580849)
    assert matches(40, 40) and not matches(40, 40.5) and not matches(True, 1)
    assert matches(None, None) and not matches(None, "pending")


def test_a_changed_expected_file_fails_the_case(tmp_path: Path) -> None:
    folder = tmp_path / "anc-500-day14"
    shutil.copytree(KIT / "anc-500-day14", folder)
    expected = json.loads((folder / ASSESSMENT).read_text(encoding="utf-8"))
    expected["idarubicin"]["day14"]["reason"] = "edited"
    (folder / ASSESSMENT).write_text(dump_json(expected), encoding="utf-8")
    (outcome,) = run_python([read_case(folder)], kit_support.context())
    assert outcome.failures == [f"{ASSESSMENT}: differs at idarubicin.day14.reason"]


def test_the_command_prints_a_table_and_exits_non_zero_on_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("call0603.evaluator.context.load_context", kit_support.context)
    for name in ("anc-500-day14", "cns-positive"):
        shutil.copytree(KIT / name, tmp_path / name)
    good = CliRunner().invoke(app, ["test-kit", "--kit", str(tmp_path)])
    assert good.exit_code == 0, good.output
    assert "2 of 2 cases pass (python)" in good.output
    case_file = tmp_path / "cns-positive" / CASE
    case_file.write_text(case_file.read_text(encoding="utf-8").replace("cnsStatus: positive", "cnsStatus: negative"),
                         encoding="utf-8")
    bad = CliRunner().invoke(app, ["test-kit", "--kit", str(tmp_path)])
    assert bad.exit_code == 1
    assert "cns-positive" in bad.output and "FAIL" in bad.output and "1 of 2 cases pass" in bad.output


def test_the_docs_tables_are_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert rendered(text, blocks(kit_support.context().report_defines)) == text, "run `call0603 test-kit --update`"
    for s in SCENARIOS:
        assert f"| `{s.name}` |" in text


def test_a_missing_kit_folder_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["test-kit", "--kit", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr.strip() == f"call0603: {tmp_path / 'absent'}: no such kit folder"
