"""`call0603 test-kit`: run every scenario of the kit and print a pass/fail table (exit 1 on any failure)."""

from __future__ import annotations

import shutil
from enum import Enum
from pathlib import Path

import typer

from .write import CASE, KIT

FAILED = 1


class EngineChoice(str, Enum):
    """Which engine runs the kit."""

    python = "python"
    cql_execution = "cql-execution"
    both = "both"


def update_kit(kit: Path = KIT) -> int:
    """Rewrite every scenario's folder (bundle, case.yaml, expected files from the evaluator); returns the count.

    Folders of scenarios that no longer exist are removed, and the tables of docs/test-kit.md are regenerated. The expected files are the evaluator's output: the
    hand-written `expect` values in case.yaml are what holds them to the spec.
    """
    from ..evaluator.context import load_context
    from .docs import update_doc
    from .run import run_python
    from .scenarios import SCENARIOS
    from .write import read_case, write_expected, write_scenario

    names = {s.name for s in SCENARIOS}
    if kit.exists():
        for folder in kit.iterdir():
            if (folder / CASE).exists() and folder.name not in names:
                shutil.rmtree(folder)
    context = load_context()
    for scenario in SCENARIOS:
        folder = write_scenario(scenario, kit)
        (outcome,) = run_python([read_case(folder)], context)
        if outcome.assessment is not None:
            write_expected(folder, outcome.assessment, outcome.careplan)
    update_doc(context.report_defines)
    return len(SCENARIOS)


def test_kit_command(
    update: bool = typer.Option(False, "--update", help="Rewrite the scenario folders and expected files first."),
    engine: EngineChoice = typer.Option(EngineChoice.python, "--engine", help="The engine the kit runs on."),
    kit: Path = typer.Option(KIT, "--kit", help="The kit folder (one sub-folder per case).", show_default=False),
) -> None:
    """Run the sample-bundle test kit: each case's assessment and $apply against its expected files and the spec."""
    from ..evaluator.context import load_context
    from .run import CQL_EXECUTION, PYTHON, run_cross_engine, run_python
    from .write import read_kit

    if update:
        typer.echo(f"updated {update_kit(kit)} scenarios in {kit}")
    if not kit.is_dir():
        typer.echo(f"call0603: {kit}: no such kit folder", err=True)
        raise typer.Exit(FAILED)
    cases = read_kit(kit)
    context = load_context()
    runs = {}
    stale: list[str] = []
    if engine in (EngineChoice.python, EngineChoice.both):
        runs[PYTHON] = {o.case: o for o in run_python(cases, context)}
    if engine in (EngineChoice.cql_execution, EngineChoice.both):
        outcomes, stale = run_cross_engine(cases, context)
        runs[CQL_EXECUTION] = {o.case: o for o in outcomes}
    width = max((len(c.name) for c in cases), default=4)
    typer.echo(f"{'case':<{width}}  " + "  ".join(f"{e:<13}" for e in runs) + "  first failure")
    failed = 0
    for case in cases:
        outcomes = [runs[e][case.name] for e in runs]
        failures = [f"{o.engine}: {f}" for o in outcomes for f in o.failures]
        failed += bool(failures)
        cells = "  ".join(f"{'pass' if o.passed else 'FAIL':<13}" for o in outcomes)
        typer.echo(f"{case.name:<{width}}  {cells}  {failures[0][:160] if failures else ''}")
    for entry in stale:
        typer.echo(f"listed divergence no longer seen: {entry}")
    typer.echo(f"{len(cases) - failed} of {len(cases)} cases pass ({', '.join(runs)})")
    if failed or stale or not cases:
        raise typer.Exit(FAILED)


def register(app: typer.Typer) -> None:
    """Add `test-kit` to the call0603 command line."""
    app.command("test-kit")(test_kit_command)
