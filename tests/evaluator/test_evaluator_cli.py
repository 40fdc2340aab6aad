"""The command-line contract of `call0603 apply`, `assess` and `sheet` (docs/input-contract.md, Bad input): exit 0 or 2,
a refusal is one line on stderr naming the file and why with nothing on stdout, `--out` writes the CarePlan,
`--json` prints the report's fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kit_support
from call0603.cli import app
from call0603.testkit.write import KIT, dump_json

COMMANDS = ("apply", "assess", "sheet")
#: The commands with `--strict` (the sheet shows what was set aside instead).
STRICT_COMMANDS = ("apply", "assess")
BASE = KIT / "baseline-rer" / "bundle.json"
DAY0, AS_OF = "2024-03-04", "2024-04-04"
#: The report's top-level fields (docs/report-format.md), then the descriptive extras.
REPORT_KEYS = ["subject", "start", "asOf", "studyDay", "eligibility", "relapseTiming", "riskGroup", "cytogeneticGroup",
               "cnsStatus", "bsa", "marrow", "idarubicin", "cr2", "response", "toxicity", "ignored", "characteristics",
               "followUp"]


@pytest.fixture(autouse=True)
def _one_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("call0603.evaluator.context.load_context", kit_support.context)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _bundle(*resources: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else dump_json(document), encoding="utf-8")
    return path


def _base() -> dict:
    return json.loads(BASE.read_text(encoding="utf-8"))


def assert_refused(code: int, out: str, err: str, *words: str) -> None:
    assert_one_line(code, out, err, 2, *words)


def assert_one_line(code: int, out: str, err: str, expected: int, *words: str) -> None:
    """Exit `expected`, nothing on stdout, and one line on stderr holding every word (never a traceback)."""
    assert code == expected, (code, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("call0603: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("command", COMMANDS)
def test_malformed_json_is_refused(tmp_path: Path, command: str) -> None:
    path = _write(tmp_path, "broken.json", '{"resourceType": "Bundle", ')
    assert_refused(*run(command, str(path), "--start", DAY0, "--as-of", AS_OF), str(path), "not JSON")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_document_that_is_not_a_bundle_is_refused(tmp_path: Path, command: str) -> None:
    path = _write(tmp_path, "patient.json", {"resourceType": "Patient", "id": "p"})
    assert_refused(*run(command, str(path), "--start", DAY0, "--as-of", AS_OF), str(path), "not a FHIR Bundle")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bundle_without_a_patient_is_refused(tmp_path: Path, command: str) -> None:
    observations = [e["resource"] for e in _base()["entry"] if e["resource"]["resourceType"] == "Observation"]
    path = _write(tmp_path, "no-patient.json", _bundle(*observations))
    assert_refused(*run(command, str(path), "--start", DAY0, "--as-of", AS_OF), str(path), "no Patient")


@pytest.mark.parametrize("command", COMMANDS)
def test_two_patients_need_a_subject(tmp_path: Path, command: str) -> None:
    bundle = _base()
    bundle["entry"].append({"resource": {"resourceType": "Patient", "id": "someone-else", "birthDate": "2015-01-01"}})
    path = _write(tmp_path, "two.json", bundle)
    assert_refused(*run(command, str(path), "--start", DAY0, "--as-of", AS_OF), str(path), "2 Patients", "--subject")
    code, out, err = run(command, str(path), "--subject", "baseline-rer", "--start", DAY0, "--as-of", AS_OF)
    assert (code, err) == (0, "") and "Patient/baseline-rer" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_no_start_date_is_refused(command: str) -> None:
    assert_refused(*run(command, str(BASE), "--as-of", AS_OF), str(BASE), "no start date")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("as_of", ["2024-02-30", "yesterday", "2024-4-4"])
def test_a_bad_as_of_date_is_refused(command: str, as_of: str) -> None:
    assert_refused(*run(command, str(BASE), "--start", DAY0, "--as-of", as_of), str(BASE), "--as-of", as_of)


@pytest.mark.parametrize("command", STRICT_COMMANDS)
def test_strict_refuses_an_unusable_resource_that_is_otherwise_ignored(command: str) -> None:
    bundle = KIT / "anc-unconvertible-unit" / "bundle.json"
    code, out, err = run(command, str(bundle), "--start", DAY0, "--as-of", "2024-03-20")
    assert (code, err) == (0, "") and out
    assert_refused(*run(command, str(bundle), "--start", DAY0, "--as-of", "2024-03-20", "--strict"),
                   str(bundle), "--strict", "Observation/anc-day14")


def test_strict_accepts_resources_ignored_by_rule() -> None:
    bundle = KIT / "anc-preliminary" / "bundle.json"
    code, out, err = run("assess", str(bundle), "--start", DAY0, "--as-of", "2024-03-20", "--strict", "--json")
    assert (code, err) == (0, "")
    assert "Observation/anc-day14" in {i["resource"] for i in json.loads(out)["ignored"]}


def test_out_writes_the_careplan_and_nothing_to_stdout(tmp_path: Path) -> None:
    target = tmp_path / "careplan.json"
    code, out, err = run("apply", str(BASE), "--start", DAY0, "--as-of", AS_OF, "--out", str(target))
    assert (code, out, err) == (0, "", "")
    careplan = json.loads(target.read_text(encoding="utf-8"))
    assert careplan["resourceType"] == "CarePlan" and careplan["subject"] == {"reference": "Patient/baseline-rer"}
    assert careplan["period"] == {"start": DAY0}


def test_a_refusal_writes_no_out_file(tmp_path: Path) -> None:
    target = tmp_path / "careplan.json"
    assert_refused(*run("apply", str(BASE), "--as-of", AS_OF, "--out", str(target)), "no start date")
    assert not target.exists()


def test_json_output_has_the_report_fields_in_order() -> None:
    code, out, err = run("assess", str(BASE), "--start", DAY0, "--as-of", AS_OF, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert list(report) == REPORT_KEYS
    assert list(report["marrow"]) == ["day7", "day14", "day28"]
    assert list(report["idarubicin"]) == ["day0", "day7", "day14", "day21"]
    assert (report["subject"], report["start"], report["asOf"], report["studyDay"]) == (
        "Patient/baseline-rer", DAY0, AS_OF, 31)


def test_json_explain_adds_the_trace() -> None:
    code, out, _ = run("assess", str(BASE), "--start", DAY0, "--as-of", AS_OF, "--json", "--explain")
    assert code == 0
    document = json.loads(out)
    assert list(document) == [*REPORT_KEYS, "trace"]
    assert {"decisions", "ignored"} <= set(document["trace"])
