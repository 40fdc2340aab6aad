"""The `call0603 cql-conformance` command: run the HL7 CQL test suite, print the table, write the reports."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .docs import load_reasons, render_doc, unexplained
from .report import format_table
from .runner import RunOptions, run_suite


def register(app: typer.Typer) -> None:
    """Add `cql-conformance` to the command line."""

    @app.command("cql-conformance")
    def cql_conformance(
        suite_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="A cql-tests checkout (or its tests/cql folder)."),
        json_report: Path | None = typer.Option(None, "--json", help="Write the JSON report here."),
        docs: Path | None = typer.Option(None, "--docs", help="Write the Markdown failure list (e.g. docs/conformance.md)."),
        time_limit: float = typer.Option(10.0, help="Seconds one test may run before it is stopped."),
        workers: int = typer.Option(0, help="Worker processes (0: one per available core)."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Translate everything anew instead of reading .cache/."),
    ) -> None:
        """Run the HL7 CQL conformance suite through the reference translator and this engine."""
        options = RunOptions(time_limit=time_limit, workers=workers, cache=None if no_cache else RunOptions().cache)
        report = run_suite(suite_dir, options)
        typer.echo(format_table(report))
        for note in report.notes:
            typer.echo(note)
        reasons = load_reasons()
        typer.echo(f"{len(unexplained(report, reasons))} of {len(report.failures())} failures have no reason written down")
        if json_report is not None:
            json_report.parent.mkdir(parents=True, exist_ok=True)
            json_report.write_text(json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if docs is not None:
            docs.parent.mkdir(parents=True, exist_ok=True)
            docs.write_text(render_doc(report, reasons) + "\n", encoding="utf-8")
