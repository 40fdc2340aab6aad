"""The --starts CSV: read whole, or refused naming the line."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest

from call0603.cohort.starts import read_starts
from call0603.evaluator.inputs import InputRefused


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "starts.csv"
    path.write_text(text)
    return path


def test_ids_with_or_without_prefix_and_repeats_that_agree(tmp_path: Path) -> None:
    starts = read_starts(_csv(tmp_path, "patient,start\nPatient/p1,2024-03-04\np2,2024-01-31\np1,2024-03-04\n\n"))
    assert starts.by_patient == {"p1": _dt.date(2024, 3, 4), "p2": _dt.date(2024, 1, 31)}
    assert starts.get("p3") is None and starts.sha256.startswith("sha256:")


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("id,date\np1,2024-03-04\n", "", "header"),
        ("patient,start\np1,2024-02-30\n", ":2", "not a calendar date"),
        ("patient,start\np1,04/03/2024\n", ":2", "not a date"),
        ("patient,start\np1\n", ":2", "expected"),
        ("patient,start\np1,2024-03-04\np1,2024-03-05\n", ":3", "two different starts"),
    ],
)
def test_a_bad_file_is_refused_with_the_line(tmp_path: Path, text: str, where: str, reason: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(InputRefused) as refused:
        read_starts(path)
    assert refused.value.source == f"{path}{where}"
    assert reason in refused.value.reason


def test_no_file_means_no_starts(tmp_path: Path) -> None:
    assert read_starts(None).by_patient == {}
    with pytest.raises(InputRefused, match="no such file"):
        read_starts(tmp_path / "missing.csv")
