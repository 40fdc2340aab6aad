"""A bad edit of guideline/ fails with the file, the line, the path in the document and what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from call0603.guideline import GuidelineError, load_guideline

Edit = Callable[[str, str, str], Path]


def _fails(folder: Path) -> GuidelineError:
    with pytest.raises(GuidelineError) as caught:
        load_guideline(folder)
    return caught.value


# (file, old text, new text, path in the document, words of the message)
SCHEMA_CASES = [
    ("regimen.yaml", "dose: {value: 1.5, unit: mg/m2}", "dose: {value: -1.5, unit: mg/m2}", "agents[1].dose.value", "minimum"),
    ("regimen.yaml", "dose: {value: 1.5, unit: mg/m2}", "dose: {value: 1.5, unit: mg/kg}", "agents[1].dose.unit", "is not one of"),
    ("regimen.yaml", "dose: {value: 1.5, unit: mg/m2}", "dose: {value: 1.5, unit: mg/m2, cap: 2}", "agents[1].dose", "cap"),
    ("regimen.yaml", "schedule: {days: [0, 7, 14, 21]}\n    cite: {section: Treatment plan, quote: \"weekly intravenous vincristine",
     "schedule: {days: [0, 7, 7, 21]}\n    cite: {section: Treatment plan, quote: \"weekly intravenous vincristine", "agents[1].schedule.days", "non-unique"),
    ("regimen.yaml", "schedule: {days: [0, 7, 14, 21]}\n    cite: {section: Treatment plan, quote: \"weekly intravenous vincristine",
     "schedule: {days: [0, 7, 14, 61]}\n    cite: {section: Treatment plan, quote: \"weekly intravenous vincristine", "agents[1].schedule.days[3]", "maximum"),
    ("regimen.yaml", "schedule: {daily: {first: 0, last: 27}}", "schedule: {daily: {first: 0, last: 27}, days: [0]}", "agents[0].schedule", "valid under each"),
    ("regimen.yaml", "  anc_below: {value: 500, unit: /uL}", "  anc_below: {value: 0.5, unit: 10*3/uL}", "withholding.anc_below.unit", "'/uL' was expected"),
    ("regimen.yaml", "  anc_below: {value: 500, unit: /uL}", "  anc_below: {value: \"500\", unit: /uL}", "withholding.anc_below.value", "not of type 'number'"),
    ("regimen.yaml", "    status: M3\n", "    status: M4\n", "withholding.override.status", "is not one of"),
    ("regimen.yaml", "cql: {condition: CNS Negative}", "cql: {condition: 'CNS \"Negative'}", "intrathecal.regimens[0].cql.condition", "does not match"),
    ("regimen.yaml", "cite: {section: Treatment plan, quote: \"oral prednisolone", "cite: {section: Treatment Plan, quote: \"oral prednisolone", "agents[0].cite.section", "is not one of"),
    ("settings.yaml", "  value: per-dose\n", "  value: per-course\n", "withholding_scope.value", "is not one of"),
    ("settings.yaml", "  formula: mosteller\n", "  formula: boyd\n", "bsa.formula", "is not one of"),
    ("settings.yaml", "count_lookback_days:\n  value: 1\n", "count_lookback_days:\n  value: 1.5\n", "count_lookback_days.value", "not of type 'integer'"),
    ("settings.yaml", "count_lookback_days:\n  value: 1\n  cite: {section: Treatment plan, decision: \"The counts",
     "count_lookback_days:\n  value: 1\n  cite: {section: Treatment plan, quote: \"The counts", "count_lookback_days.cite", "'decision' is a required property"),
    ("settings.yaml", "  value: [final, amended, corrected]", "  value: [final, preliminary]", "valid_observation_statuses.value[1]", "is not one of"),
    ("assessment.yaml", "  m3_above: {value: 25, unit: \"%\"}", "  m3_above: {value: 125, unit: \"%\"}", "marrow_status.m3_above.value", "maximum"),
    ("assessment.yaml", "  early_below_months: 24\n", "", "relapse_timing", "'early_below_months' is a required property"),
    ("assessment.yaml", "  numeric_wins: true\n", "  numeric_wins: false\n", "marrow_status.numeric_wins", "True was expected"),
    ("assessment.yaml", "  exclusions: [mature-b-cell, down-syndrome]", "  exclusions: [down-syndrome]", "eligibility.exclusions", "was expected"),
    ("assessment.yaml", "  - {grade: 2, below: {value: 10.0, unit: g/dL}}", "  - {grade: 2, below: {value: 100, unit: g/L}}", "toxicity.anemia[1].below.unit", "'g/dL' was expected"),
    ("assessment.yaml", "  high_risk_findings: [t9-22, kmt2a-rearranged, hypodiploid]", "  high_risk_findings: [t9-22, mll]", "risk_group.high_risk_findings[1]", "is not one of"),
    ("package.yaml", "version: 1.0.0\n", "version: '1.0'\n", "version", "does not match"),
    ("package.yaml", "  name: CALL0603Reinduction\n", "  name: CALL0603_Reinduction\n", "library.name", "does not match"),
    ("package.yaml", "canonical: http://fhir.call0603.org\n", "canonical: http://fhir.call0603.org/\n", "canonical", "does not match"),
    ("package.yaml", "date: \"2025-01-15\"", "date: 2025-13-15", "date", "does not match"),
    ("terminology.yaml", "prednisolone: {rxnorm: {code: \"8638\"", "prednisolone: {rxnorm: {code: 8638", "substances.prednisolone.rxnorm.code", "not of type 'string'"),
    ("terminology.yaml", "  ucum: http://unitsofmeasure.org\n", "  ucum: http://unitsofmeasure.org/\n", "systems.ucum", "was expected"),
]


@pytest.mark.parametrize(("file", "old", "new", "path", "words"), SCHEMA_CASES)
def test_schema_violation_names_file_path_line_and_reason(edit: Edit, file: str, old: str, new: str, path: str, words: str) -> None:
    folder = edit(file, old, new)
    error = _fails(folder)
    problem = next((p for p in error.problems if p.file.name == file and str(p).split(": ")[1] == path), None)
    assert problem is not None, str(error)
    assert words in problem.message
    assert problem.line is not None
    assert str(problem).startswith(f"{folder / file}:{problem.line}: {path}: ")


# (file, old text, new text, path in the document, words of the message)
RULE_CASES = [
    ("regimen.yaml", "    substance: vincristine\n", "    substance: vincristin\n", "agents[1].substance", "not in terminology.substances"),
    ("regimen.yaml", "    route: intramuscular\n", "    route: subcutaneous\n", "agents[2].route", "not in terminology.routes"),
    ("regimen.yaml", "  - id: vincristine\n", "  - id: prednisolone\n", "agents[1].id", "used twice"),
    ("regimen.yaml", "schedule: {days: [0, 2, 4, 7, 9, 11, 14, 16, 18]}", "schedule: {days: [0, 4, 2, 7, 9, 11, 14, 16, 18]}", "agents[2].schedule.days", "ascending"),
    ("regimen.yaml", "schedule: {daily: {first: 0, last: 27}}", "schedule: {daily: {first: 27, last: 0}}", "agents[0].schedule.daily", "after last day"),
    ("regimen.yaml", "    dose: {value: 60, unit: mg/m2, per: day}\n    schedule: {daily: {first: 0, last: 27}}",
     "    dose: {value: 60, unit: mg/m2, per: day}\n    schedule: {days: [0, 7]}", "agents[0].dose.per", "daily schedule"),
    ("regimen.yaml", "  agent: idarubicin\n", "  agent: daunorubicin\n", "withholding.agent", "not in regimen.agents"),
    ("regimen.yaml", "  days: [14, 21]\n  anc_below", "  days: [14, 22]\n  anc_below", "withholding.days", "is not a idarubicin day"),
    ("regimen.yaml", "    days: [14, 21]\n  cql:", "    days: [14, 28]\n  cql:", "withholding.override.days", "not a withholding day"),
    ("regimen.yaml", "    marrow_day: day14\n", "    marrow_day: day28\n", "withholding.override.marrow_day", "after the first day"),
    ("regimen.yaml", "    - {day: 7, decision: \"Idarubicin Day 7 Decision\", give: \"Idarubicin Day 7 Indicated\", withhold: \"Idarubicin Day 7 Withheld\", indeterminate: \"Idarubicin Day 7 Indeterminate\", undecided: \"Idarubicin Day 7 Undecided\", reason: \"Idarubicin Day 7 Reason\", supporting: \"Idarubicin Day 7 Supporting Information\", dose: \"Idarubicin Day 7 Dose\"}\n",
     "", "withholding.cql", "one entry per idarubicin day"),
    ("regimen.yaml", "      cns_status: positive\n", "      cns_status: negative\n", "intrathecal.regimens", "one for CNS negative"),
    ("regimen.yaml", "      substances: [cytarabine, hydrocortisone, methotrexate]", "      substances: [cytarabine, hydrocortisone, mtx]", "intrathecal.regimens[1].substances[2]", "not in terminology.substances"),
    ("regimen.yaml", "    window: day7\n    day: 7\n", "    window: day7\n    day: 9\n", "marrow_exams[0].day", "outside its window"),
    ("regimen.yaml", "    only_if_not: {window: day7, status: M1}\n", "    only_if_not: {window: day28, status: M1}\n", "marrow_exams[1].only_if_not.window", "earlier marrow"),
    ("regimen.yaml", "    cql: {condition: Day 14 Marrow Indicated, status: Marrow Day 14 Status}", "    cql: {status: Marrow Day 14 Status}", "marrow_exams[1].cql", "needs cql.condition"),
    ("regimen.yaml", "    cql: {status: Marrow Day 28 Status}", "    cql: {status: Marrow Day 28 Status, condition: Day 28 Marrow Indicated}", "marrow_exams[2].cql.condition", "unconditional"),
    ("regimen.yaml", "cql: {ordered_dose: \"Vincristine Ordered Dose\"}", "cql: {ordered_dose: \"Prednisolone Ordered Dose\"}", "agents[1].cql.ordered_dose", "more than one purpose"),
    ("settings.yaml", "  day14: {first: 13, last: 15}", "  day14: {first: 8, last: 15}", "marrow_windows.day14", "overlaps"),
    ("settings.yaml", "  day28: {first: 27, last: 30}", "  day28: {first: 30, last: 27}", "marrow_windows.day28", "after last day"),
    ("settings.yaml", "    - {agent: vincristine, max:", "    - {agent: vinblastine, max:", "dose_caps.caps[0].agent", "not in regimen.agents"),
    ("settings.yaml", "    - {agent: asparaginase, increment: {value: 1, unit: \"[iU]\"}}", "    - {agent: asparaginase, increment: {value: 1, unit: mg}}", "dispensable_doses.rounding[2].increment.unit", "unit of the ordered dose"),
    ("settings.yaml", "    - {agent: idarubicin, increment: {value: 0.01, unit: mg}}\n", "", "dispensable_doses.rounding", "'idarubicin' has no rounding increment"),
    ("settings.yaml", "    - {agent: idarubicin, increment:", "    - {agent: daunorubicin, increment:", "dispensable_doses.rounding[3].agent", "not in regimen.agents"),
    ("settings.yaml", "    - {agent: vincristine, max: {value: 2, unit: mg}}", "    - {agent: vincristine, max: {value: 2, unit: \"[iU]\"}}", "dose_caps.caps[0].max.unit", "unit of the ordered dose"),
    ("assessment.yaml", "  m2_from: {value: 5, unit: \"%\"}", "  m2_from: {value: 30, unit: \"%\"}", "marrow_status.m2_from", "must not exceed"),
    ("assessment.yaml", "  age_years: {min: 1, below: 22}", "  age_years: {min: 22, below: 1}", "eligibility.age_years", "must be below"),
    ("assessment.yaml", "  standard_age_years: {min: 1, below: 10}", "  standard_age_years: {min: 10, below: 10}", "risk_group.standard_age_years", "must be below"),
    ("assessment.yaml", "  normal: [normal-karyotype]", "  normal: [normal-karyotype, t9-22]", "cytogenetic_groups", "more than one group"),
    ("assessment.yaml", "  clinical_signs_sites: [cns]", "  clinical_signs_sites: [meninges]", "cns.clinical_signs_sites[0]", "not in terminology.body_sites"),
    ("assessment.yaml", "    - {grade: 3, below: {value: 1000, unit: /uL}}", "    - {grade: 3, below: {value: 400, unit: /uL}}", "toxicity.neutropenia", "rise strictly"),
    ("assessment.yaml", "    - {grade: 3, below: {value: 50000, unit: /uL}}", "    - {grade: 4, below: {value: 50000, unit: /uL}}", "toxicity.thrombocytopenia", "distinct and descending"),
    ("terminology.yaml", "{code: \"372539000\", display: Idarubicin", "{code: \"372539008\", display: Idarubicin", "substances.idarubicin.snomed.code", "Verhoeff"),
    ("terminology.yaml", "{system: loinc, code: \"751-8\"", "{system: loinc, code: \"751-9\"", "value_sets[0].codes[0].code", "check digit"),
    ("terminology.yaml", "{system: icd10cm, code: Q90.9,", "{system: icd10cm, code: Q909,", "value_sets[21].codes[5].code", "not well formed"),
    ("terminology.yaml", "{system: marrow-status, code: M3, display: M3 marrow}\n  - id: cytogenetic-finding",
     "{system: marrow-status, code: M4, display: M3 marrow}\n  - id: cytogenetic-finding", "value_sets[13].codes[2].code", "not a concept of CodeSystem marrow-status"),
    ("terminology.yaml", "{system: loinc, code: \"718-7\"", "{system: lonic, code: \"718-7\"", "value_sets[8].codes[0].system", "neither in terminology.systems"),
    ("terminology.yaml", "  - id: platelets\n", "  - id: anc\n", "value_sets[1].id", "used twice"),
    ("terminology.yaml", "{system: loinc, code: \"753-4\", display: \"Neutrophils [#/volume] in Blood by Manual count\"}",
     "{system: loinc, code: \"751-8\", display: \"Neutrophils [#/volume] in Blood by Manual count\"}", "value_sets[0].codes[1]", "listed twice"),
    ("terminology.yaml", "      - {code: M2, display: M2 marrow, definition:", "      - {code: M1, display: M2 marrow, definition:", "code_systems[0].concepts[2].code", "defined twice"),
]


@pytest.mark.parametrize(("file", "old", "new", "path", "words"), RULE_CASES)
def test_rule_violation_names_file_path_line_and_reason(edit: Edit, file: str, old: str, new: str, path: str, words: str) -> None:
    folder = edit(file, old, new)
    error = _fails(folder)
    matches = [p for p in error.problems if p.file.name == file and str(p).split(": ")[1] == path]
    assert matches, str(error)
    assert any(words in p.message for p in matches), str(error)
    assert all(p.line is not None for p in matches)


def test_duplicate_key_is_refused_with_its_line(edit: Edit) -> None:
    folder = edit("assessment.yaml", "  early_below_months: 24\n", "  early_below_months: 24\n  early_below_months: 25\n")
    error = _fails(folder)
    assert error.file == folder / "assessment.yaml"
    assert "duplicate key 'early_below_months'" in error.message
    text = (folder / "assessment.yaml").read_text().splitlines()
    assert text[error.problems[0].line - 1].strip() == "early_below_months: 25"


def test_broken_yaml_is_refused_with_its_line(edit: Edit) -> None:
    folder = edit("settings.yaml", "  day7: {first: 6, last: 8}", "  day7: {first: 6, last: 8")
    error = _fails(folder)
    assert error.file.name == "settings.yaml" and "not valid YAML" in error.message and error.problems[0].line


def test_missing_file_and_missing_folder(guideline_copy: Path, tmp_path: Path) -> None:
    (guideline_copy / "terminology.yaml").unlink()
    error = _fails(guideline_copy)
    assert error.file == guideline_copy / "terminology.yaml" and error.message == "file is missing"
    assert _fails(tmp_path / "nowhere").message == "guideline folder is missing"


def test_empty_file_is_a_schema_error(guideline_copy: Path) -> None:
    (guideline_copy / "settings.yaml").write_text("# nothing\n")
    error = _fails(guideline_copy)
    assert error.file.name == "settings.yaml" and "is not of type 'object'" in error.message


def test_every_problem_is_reported_not_just_the_first(edit: Edit) -> None:
    edit("regimen.yaml", "dose: {value: 1.5, unit: mg/m2}", "dose: {value: -1.5, unit: mg/m2}")
    folder = edit("settings.yaml", "  formula: mosteller\n", "  formula: boyd\n")
    error = _fails(folder)
    assert {p.file.name for p in error.problems} == {"regimen.yaml", "settings.yaml"}
    assert [p.file.name for p in error.problems] == ["settings.yaml", "regimen.yaml"]
