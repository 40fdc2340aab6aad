"""No traceback, ever (data-quality.md §6–7) for `apply` and `assess`: each input that once crashed is now a report
(exit 0), a one-line refusal naming the file or path (exit 2, nothing written), or — for a defect of the package —
one line and exit 1, with `--debug` showing the traceback."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from call0603.cql.runtime.errors import CqlRuntimeError
from test_evaluator_cli import _one_context, assert_one_line, run  # noqa: F401 (the autouse fixture: one compiled context)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "day14-low-counts.json"
AS_OF = "2024-03-18"
COMMANDS = ("apply", "assess")


def _example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _resource(bundle: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == ident)


def _write(tmp_path: Path, bundle: dict[str, Any], name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _export(tmp_path: Path) -> Path:
    """The example as a Bulk Data folder: one NDJSON file per resource type."""
    folder = tmp_path / "export"
    folder.mkdir()
    by_type: dict[str, list[str]] = {}
    for entry in _example()["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(json.dumps(entry["resource"]))
    for kind, lines in by_type.items():
        (folder / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# --- values no FHIR decimal can hold ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("ident", ["anc-day14", "height"])
def test_a_non_finite_value_is_unusable_data_not_a_crash(tmp_path: Path, value: str, ident: str) -> None:
    bundle = _example()
    _resource(bundle, ident)["valueQuantity"]["value"] = value
    code, out, err = run("assess", str(_write(tmp_path, bundle)), "--as-of", AS_OF, "--json")
    assert code == 0 and "Traceback" not in err, err
    report = json.loads(out)
    assert f"Observation/{ident}" in {i["resource"] for i in report["ignored"]}
    if ident == "height":
        assert report["bsa"]["value"] is None


# --- day 0 with less than day precision ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("start", ["2024-03", "2024"])
def test_a_careplan_start_without_a_day_is_no_start_date(tmp_path: Path, command: str, start: str) -> None:
    bundle = _example()
    _resource(bundle, "reinduction")["period"]["start"] = start
    path = _write(tmp_path, bundle)
    assert_one_line(*run(command, str(path), "--as-of", AS_OF), 2, str(path), "no start date", "given to the day")


def test_a_careplan_start_with_a_day_still_decides(tmp_path: Path) -> None:
    bundle = _example()
    _resource(bundle, "reinduction")["period"]["start"] = "2024-03-04T09:00:00+09:00"
    code, out, err = run("assess", str(_write(tmp_path, bundle)), "--as-of", AS_OF, "--json")
    assert code == 0, err
    assert json.loads(out)["start"] == "2024-03-04"


# --- dates at FHIR's limits -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
@pytest.mark.parametrize("ident, key", [("anc-day14", "effectiveDateTime"), ("marrow-day14", "effectiveDateTime"),
                                        ("p-day14-low", "birthDate"), ("p-day14-low", "deceasedDateTime")])
def test_a_result_or_birth_dated_at_fhirs_limits_is_read(tmp_path: Path, date: str, ident: str, key: str) -> None:
    bundle = _example()
    _resource(bundle, ident)[key] = date[:10] if key == "birthDate" else date
    code, out, err = run("assess", str(_write(tmp_path, bundle)), "--as-of", AS_OF, "--json")
    assert code == 0 and "Traceback" not in err, err
    assert json.loads(out)["subject"] == "Patient/p-day14-low"


@pytest.mark.parametrize("args", [("--as-of", "2024-03-01"), ("--as-of", AS_OF, "--start", "2099-01-01")])
def test_an_as_of_date_before_day_0_leaves_every_dated_decision_pending(args: tuple[str, ...]) -> None:
    code, out, err = run("assess", str(EXAMPLE), *args, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert {d["value"] for d in report["idarubicin"].values()} == {"pending"}
    assert {d["value"] for d in report["marrow"].values()} == {"pending"}


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_a_day_0_at_fhirs_limits_is_refused_in_one_line(tmp_path: Path, start: str) -> None:
    """A study window around a day 0 within a month of either end of FHIR's calendar would leave it: no day 0."""
    bundle = _example()
    _resource(bundle, "reinduction")["period"]["start"] = start
    assert_one_line(*run("assess", str(_write(tmp_path, bundle)), "--as-of", "9999-12-31", "--json"), 2,
                    "no start date")


# --- files that cannot be read --------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_a_gzip_file_that_is_not_gzip_is_refused(tmp_path: Path, command: str) -> None:
    folder = _export(tmp_path)
    bad = folder / "Observation.extra.ndjson.gz"
    bad.write_bytes(b'{"resourceType": "Observation"}\n')
    assert_one_line(*run(command, str(folder), "--as-of", AS_OF), 2, str(bad), "not a gzip file")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_truncated_gzip_file_is_refused(tmp_path: Path, command: str) -> None:
    folder = _export(tmp_path)
    whole = gzip.compress((folder / "Observation.ndjson").read_bytes() * 20)
    cut = folder / "Observation.more.ndjson.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    assert_one_line(*run(command, str(folder), "--as-of", AS_OF), 2, str(cut), "cut short")


def test_a_truncated_gzip_file_given_alone_is_refused(tmp_path: Path) -> None:
    whole = gzip.compress(EXAMPLE.read_bytes())
    cut = tmp_path / "Bundle.ndjson.gz"
    cut.write_bytes(whole[:40])
    assert_one_line(*run("assess", str(cut), "--as-of", AS_OF), 2, str(cut), "cut short")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_named_like_an_ndjson_file_is_refused_not_skipped(tmp_path: Path, command: str) -> None:
    folder = _export(tmp_path)
    (folder / "Observation.more.ndjson").mkdir()
    assert_one_line(*run(command, str(folder), "--as-of", AS_OF), 2, "Observation.more.ndjson", "is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not bind root")
def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _example())
    path.chmod(0)
    assert_one_line(*run("assess", str(path), "--as-of", AS_OF), 2, str(path), "cannot be read")


def test_a_bundle_whose_entry_is_not_a_list_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, {"resourceType": "Bundle", "type": "collection", "entry": True})
    assert_one_line(*run("assess", str(path), "--as-of", AS_OF), 2, str(path), "Bundle.entry is not a list")


# --- output paths ---------------------------------------------------------------------------------------------------

def test_apply_out_into_a_missing_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "careplan.json"
    assert_one_line(*run("apply", str(EXAMPLE), "--as-of", AS_OF, "--out", str(out)), 2, str(out), "no such folder")
    assert not out.parent.exists()


def test_apply_out_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    assert_one_line(*run("apply", str(EXAMPLE), "--as-of", AS_OF, "--out", str(tmp_path)), 2, str(tmp_path), "is a folder")
    assert list(tmp_path.iterdir()) == []


def test_apply_out_equal_to_the_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, _example())
    before = path.read_bytes()
    assert_one_line(*run("apply", str(path), "--as-of", AS_OF, "--out", str(path)), 2, str(path), "input is never written")
    assert path.read_bytes() == before


def test_apply_out_inside_the_input_folder_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    before = sorted(p.name for p in folder.iterdir())
    out = folder / "careplan.json"
    assert_one_line(*run("apply", str(folder), "--as-of", AS_OF, "--out", str(out)), 2, str(out), "inside the input folder")
    assert sorted(p.name for p in folder.iterdir()) == before


def test_apply_out_in_a_folder_that_cannot_be_written_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(self: Path, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", denied)
    out = tmp_path / "careplan.json"
    assert_one_line(*run("apply", str(EXAMPLE), "--as-of", AS_OF, "--out", str(out)), 2, str(out), "Permission denied")
    assert list(tmp_path.iterdir()) == []


def test_apply_out_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "careplan.json"
    code, out_text, err = run("apply", str(EXAMPLE), "--as-of", AS_OF, "--out", str(out))
    assert (code, out_text, err) == (0, "", "")
    assert json.loads(out.read_text(encoding="utf-8"))["resourceType"] == "CarePlan"
    assert [p.name for p in tmp_path.iterdir()] == ["careplan.json"]


# --- the edge: what the package did not expect ----------------------------------------------------------------------

def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("something the package did not expect\nover two lines")


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unexpected_error_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setattr("call0603.evaluator.inputs.load_patient", _boom)
    assert_one_line(*run(command, str(EXAMPLE), "--as-of", AS_OF), 1,
                    "unexpected error: RuntimeError: something the package did not expect over two lines", "--debug")


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setattr("call0603.evaluator.inputs.load_patient", _boom)
    args = ["assess", str(EXAMPLE), "--as-of", AS_OF]
    code, _, err = run(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert code == 1
    assert "Traceback (most recent call last)" in err and "_boom" in err
    assert err.splitlines()[-1].startswith("call0603: unexpected error: RuntimeError")


def test_a_cql_run_time_error_names_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def stops(*args: Any, **kwargs: Any) -> Any:
        raise CqlRuntimeError("date/time out of range 0001-9999")

    monkeypatch.setattr("call0603.evaluator.assess.evaluate_patient", stops)
    assert_one_line(*run("assess", str(EXAMPLE), "--as-of", AS_OF), 1, str(EXAMPLE), "CQL run-time error",
                    "out of range 0001-9999")


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("call0603.evaluator.inputs.load_patient", interrupted)
    assert_one_line(*run("assess", str(EXAMPLE), "--as-of", AS_OF), 130, "interrupted")


def test_a_misshapen_element_is_read_as_absent(tmp_path: Path) -> None:
    bundle = _example()
    anc = _resource(bundle, "anc-day14")
    anc["valueQuantity"] = "0.38 10*3/uL"
    _resource(bundle, "platelets-day14")["code"]["coding"] = 1
    code, out, err = run("assess", str(_write(tmp_path, bundle)), "--as-of", AS_OF, "--json")
    assert code == 0, err
    assert json.loads(out)["idarubicin"]["day14"]["value"] != "give"


def test_brackets_in_the_data_are_printed_not_read_as_markup(tmp_path: Path) -> None:
    bundle = _example()
    _resource(bundle, "anc-day14")["valueQuantity"].update(unit="[/x]", code="[/x]")
    _resource(bundle, "platelets-day14")["id"] = "plt[bold]"
    code, out, err = run("assess", str(_write(tmp_path, bundle)), "--as-of", AS_OF, "--explain")
    assert code == 0, err
    assert "'[/x]'" in out and "Observation/plt[bold]" in out
