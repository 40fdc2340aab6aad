"""The `call0603` command line: each sub-command lives with the module that does the work, imported only when run."""

from __future__ import annotations

import importlib
import sys
import traceback
from functools import lru_cache
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from . import __version__
from .edge import FAILED, interrupted_code, one_line

#: `--debug` may be given anywhere on the command line; it shows the traceback of an unexpected failure.
DEBUG_FLAG = "--debug"
_DEBUG_KEY = "call0603.debug"


class EdgeGroup(TyperGroup):
    """The root command: an unexpected error in any sub-command becomes one line on stderr and exit 1.

    `--debug` (anywhere on the line) prints the traceback instead of hiding it; Ctrl-C prints one line and exits 130.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Move a `--debug` given after the sub-command to the front, where the root option reads it."""
        if DEBUG_FLAG in args[1:] and "--" not in args[: args.index(DEBUG_FLAG, 1)]:
            args = [DEBUG_FLAG, *[a for a in args if a != DEBUG_FLAG]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        """Run the sub-command; what escapes it, other than an exit the command chose, is reported in one line."""
        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):
            raise
        except KeyboardInterrupt:
            typer.echo("call0603: interrupted", err=True)
            raise Exit(interrupted_code()) from None
        except Exception as failure:
            if ctx.meta.get(_DEBUG_KEY):
                traceback.print_exc()
            hint = "" if ctx.meta.get(_DEBUG_KEY) else f" (run with {DEBUG_FLAG} for the traceback)"
            typer.echo(f"call0603: unexpected error: {type(failure).__name__}: {one_line(str(failure))}{hint}", err=True)
            raise Exit(FAILED) from None


HELP = (
    "CALL-0603 reinduction (first marrow relapse of childhood ALL) as a computable FHIR R4 / CQL package. "
    "The rules: docs/rules.md; the input contract: docs/input-contract.md; the report: docs/report-format.md "
    "(in the repository and the source distribution)."
)

#: Each sub-command and the module that adds it through a `register(app)` function (`call0603 assess` imports the
#: evaluator's commands only, not the authoring's, the cohort's or the conformance suite's).
COMMANDS: dict[str, str] = {
    "cql-conformance": "call0603.cql.conformance.command",
    "build": "call0603.authoring.cli",
    "validate": "call0603.authoring.cli",
    "cohort": "call0603.cohort.commands",
    "synth": "call0603.cohort.commands",
    "apply": "call0603.evaluator.commands",
    "assess": "call0603.evaluator.commands",
    "sheet": "call0603.sheet.commands",
    "serve": "call0603.service.command",
    "test-kit": "call0603.testkit.command",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"call0603 {__version__}")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    debug: bool = typer.Option(False, DEBUG_FLAG, help="Show the traceback of an unexpected error (which otherwise "
                               "prints one line and exits 1); may be given anywhere on the command line."),
) -> None:
    """CALL-0603 reinduction as a computable FHIR R4 / CQL guideline package."""
    ctx.meta[_DEBUG_KEY] = debug


@lru_cache(maxsize=None)
def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The command-line application with the commands of these modules."""
    built = typer.Typer(name="call0603", help=HELP, no_args_is_help=True, add_completion=False,
                        pretty_exceptions_enable=False, cls=EdgeGroup)
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
