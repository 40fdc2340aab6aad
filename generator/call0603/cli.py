"""The `call0603` command line: each sub-command lives with the module that does the work, imported only when run."""

from __future__ import annotations

import importlib
import sys
from functools import lru_cache
from typing import Any

import typer

from . import __version__

HELP = "CALL-0603 reinduction (first marrow relapse of childhood ALL) as a computable FHIR R4 / CQL package."

#: Each sub-command and the module that adds it through a `register(app)` function (`call0603 assess` imports the
#: evaluator's commands only, not the build's, the cohort's or the conformance suite's).
COMMANDS: dict[str, str] = {
    "cql-conformance": "call0603.cql.conformance.command",
    "build": "call0603.build.cli",
    "validate": "call0603.build.cli",
    "cohort": "call0603.cohort.commands",
    "synth": "call0603.cohort.commands",
    "apply": "call0603.evaluator.commands",
    "assess": "call0603.evaluator.commands",
    "serve": "call0603.service.command",
    "test-kit": "call0603.testkit.command",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"call0603 {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """CALL-0603 reinduction as a computable FHIR R4 / CQL guideline package."""


@lru_cache(maxsize=None)
def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The command-line application with the commands of these modules."""
    built = typer.Typer(name="call0603", help=HELP, no_args_is_help=True, add_completion=False,
                        pretty_exceptions_enable=False)
    built.callback()(_root)
    for module in modules:
        importlib.import_module(module).register(built)
    return built


def __getattr__(name: str) -> Any:
    """`app`: the application with every command (built on first use)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    """Console-script entry point: a named sub-command loads its own module only."""
    module = COMMANDS.get(sys.argv[1]) if len(sys.argv) > 1 else None
    build_app((module,) if module else COMMAND_MODULES)()
