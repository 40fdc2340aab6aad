"""The progress bar of a cohort run: patients done / total, rate and ETA on a terminal; silent in CI, off a TTY or with --quiet."""

from __future__ import annotations

import os
import sys
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn


class Reporter(Protocol):
    """What the engines tell about their progress."""

    def phase(self, description: str, total: int | None) -> None:
        """Start a phase (grouping, evaluating) with its total, when known."""

    def advance(self, done: int) -> None:
        """Count `done` more units of the current phase."""

    def close(self) -> None:
        """Stop drawing."""


class Silent:
    """A reporter that draws nothing (CI, not a terminal, --quiet)."""

    def phase(self, description: str, total: int | None) -> None:
        """Nothing to draw."""

    def advance(self, done: int) -> None:
        """Nothing to draw."""

    def close(self) -> None:
        """Nothing to stop."""


class _RateColumn(TextColumn):
    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[override]
        speed = task.finished_speed or task.speed
        return self.text_format if speed is None else f"{speed:,.0f}/s"


class Bar:
    """A rich progress bar on stderr, one line per phase."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            _RateColumn(), TimeRemainingColumn(), console=console or Console(stderr=True), transient=False,
        )
        self._progress.start()
        self._task: int | None = None

    def phase(self, description: str, total: int | None) -> None:
        """Finish the current phase's line and start a new one."""
        if self._task is not None:
            self._progress.update(self._task, total=self._progress.tasks[self._task].completed)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, done: int) -> None:
        """Move the current phase on."""
        if self._task is not None:
            self._progress.advance(self._task, done)

    def close(self) -> None:
        """Stop drawing (the finished lines stay)."""
        self._progress.stop()


def reporter(quiet: bool = False) -> Reporter:
    """A bar on a terminal, else silence: --quiet, a `CI` environment, or stderr not a TTY."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return Silent()
    return Bar()
