"""The progress bar: drawn on a terminal with done/total and rate, silent in CI, off a terminal and with --quiet."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from call0603.cohort import progress


def test_silent_when_quiet_in_ci_or_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert isinstance(progress.reporter(quiet=True), progress.Silent)
    monkeypatch.setenv("CI", "true")
    assert isinstance(progress.reporter(), progress.Silent)
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert isinstance(progress.reporter(), progress.Silent)


def test_the_bar_shows_done_of_total() -> None:
    screen = io.StringIO()
    bar = progress.Bar(Console(file=screen, force_terminal=True, width=120))
    bar.phase("evaluating patients", 250)
    bar.advance(100)
    bar.advance(150)
    bar.close()
    text = screen.getvalue()
    assert "evaluating patients" in text and "250/250" in text and "100%" in text
