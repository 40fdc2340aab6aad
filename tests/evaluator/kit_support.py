"""Shared, computed-once state of the kit tests: the package context and each engine's run over the kit."""

from __future__ import annotations

import functools
from pathlib import Path

from call0603.evaluator.context import EvaluationContext, load_context
from call0603.testkit.run import Outcome, run_cross_engine, run_python
from call0603.testkit.write import Case, read_kit


@functools.cache
def context(package: Path | None = None) -> EvaluationContext:
    """The committed package (or `package`), compiled once per test process."""
    return load_context(package)


@functools.cache
def cases() -> tuple[Case, ...]:
    """Every case folder of the kit."""
    return tuple(read_kit())


@functools.cache
def python_outcomes() -> dict[str, Outcome]:
    """Every case through the Python evaluator, by case name."""
    return {o.case: o for o in run_python(cases(), context())}


@functools.cache
def cross_engine() -> tuple[dict[str, Outcome], tuple[str, ...]]:
    """Every case through cql-execution (by case name), and the listed divergences no longer seen."""
    outcomes, stale = run_cross_engine(list(cases()), context())
    return {o.case: o for o in outcomes}, tuple(stale)
