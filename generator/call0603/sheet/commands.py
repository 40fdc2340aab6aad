"""`call0603 sheet`: one patient's course sheet as a self-contained HTML page (same contract as `assess`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..evaluator.commands import (AS_OF_HELP, FHIR_SERVER_HELP, INPUT_HELP, PACKAGE_HELP, START_HELP, SUBJECT_HELP,
                                  TOKEN_HELP, _dates, _patient, _run)


def sheet_command(
    input: Optional[Path] = typer.Argument(None, help=INPUT_HELP, show_default=False),
    subject: Optional[str] = typer.Option(None, "--subject", help=SUBJECT_HELP),
    start: Optional[str] = typer.Option(None, "--start", help=START_HELP),
    as_of: Optional[str] = typer.Option(None, "--as-of", help=AS_OF_HELP),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the page here (FILE.html) instead of stdout."),
    fhir_server: Optional[str] = typer.Option(None, "--fhir-server", help=FHIR_SERVER_HELP),
    token: Optional[str] = typer.Option(None, "--token", help=TOKEN_HELP),
    package: Optional[Path] = typer.Option(None, "--package", help=PACKAGE_HELP),
) -> None:
    """The course sheet for one patient: calendar, counts, every decision; one HTML page, printable on A4."""

    def work() -> str:
        from ..evaluator.context import load_context
        from .model import sheet_for
        from .page import render_sheet

        day0, when = _dates(input or Path(str(fhir_server)), start, as_of)
        context = load_context(package)
        patient = _patient(input, subject, fhir_server, token, context)
        return render_sheet(sheet_for(patient, start=day0, as_of=when, context=context))

    page = _run(work, input or str(fhir_server))
    if out is None:
        sys.stdout.write(page)
    else:
        out.write_text(page, encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add `sheet` to the call0603 command line."""
    app.command("sheet")(sheet_command)
