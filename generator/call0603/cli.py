"""The `call0603` command line: each sub-command lives with the module that does the work."""

from __future__ import annotations

import importlib

import typer

from . import __version__

app = typer.Typer(
    name="call0603",
    help="CALL-0603 reinduction (first marrow relapse of childhood ALL) as a computable FHIR R4 / CQL package.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Modules that add their commands to `app` through a `register(app)` function.
COMMAND_MODULES: tuple[str, ...] = (
    "call0603.cql.conformance.command",
    "call0603.build.cli",
    "call0603.cohort.commands",
    "call0603.evaluator.commands",
    "call0603.sheet.commands",
    "call0603.service.command",
    "call0603.testkit.command",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"call0603 {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """CALL-0603 reinduction as a computable FHIR R4 / CQL guideline package."""


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Console-script entry point."""
    app()
