"""The `call0603 build` and `call0603 validate` commands (registered through cli.COMMAND_MODULES)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from .. import paths
from .check import find_differences
from .validate import report_table, validate
from .write import FOLDERS, resource_path, write_files

GUIDELINE_OPTION = typer.Option(paths.GUIDELINE, "--guideline", help="The guideline folder to build from.", file_okay=False)
ROOT_OPTION = typer.Option(paths.REPO, "--root", help="The repository root the artifacts are checked in.", file_okay=False)
OUT_OPTION = typer.Option(paths.REPO, "--out", "--root", file_okay=False,
                          help="Where the artifacts are written or checked (default: the repository); `assess --package` reads such a folder.")


def _load(guideline: Path):  # noqa: ANN202 - returns the typed Guideline
    from ..guideline import GuidelineError, load_guideline

    try:
        return load_guideline(guideline)
    except GuidelineError as e:
        for problem in e.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None


def build(
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 and list the files that differ from a fresh build."),
    guideline: Path = GUIDELINE_OPTION,
    root: Path = OUT_OPTION,
) -> None:
    """Generate every artifact from guideline/: PlanDefinition, ActivityDefinitions, Library, terminology, Bundle, NPM package."""
    from . import build_package

    built = build_package(_load(guideline))
    if check:
        differences = find_differences(built.files, root)
        for difference in differences:
            typer.echo(str(difference))
        if differences:
            typer.echo(f"{len(differences)} artifact file(s) are stale: run `call0603 build`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(built.files)} artifact files are up to date")
        return
    changed = write_files(built.files, root)
    typer.echo(f"{len(built.files)} artifact files, {len(changed)} written or removed")
    for path in changed:
        typer.echo(f"  {path}")


def read_artifacts(root: Path) -> list[dict]:
    """The resources committed under `root` (plandefinitions/ and library/), as the package ships them."""
    resources = []
    for folder in sorted(set(FOLDERS.values())):
        for file in sorted((root / folder).glob("*.json")):
            data = json.loads(file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("resourceType") in FOLDERS and resource_path(data) == f"{folder}/{file.name}":
                resources.append(data)
    return resources


def validate_command(
    guideline: Path = GUIDELINE_OPTION,
    root: Path = ROOT_OPTION,
) -> None:
    """Run every validator over the committed artifacts and print a table; exit 1 if any finds an error."""
    from . import package_context

    resources = read_artifacts(root)
    if not resources:
        typer.echo(f"no artifacts under {root}: run `call0603 build` first", err=True)
        raise typer.Exit(2)
    reports = validate(resources, package_context(_load(guideline)))
    console = Console()
    console.print(report_table(reports))
    failed = [r for r in reports if not r.ok]
    for report in failed:
        for finding in report.findings:
            console.print(f"[red]{report.validator}[/red] {finding}", highlight=False)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `build` and `validate` to the call0603 command line."""
    app.command("build")(build)
    app.command("validate")(validate_command)
