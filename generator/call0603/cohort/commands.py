"""The `cohort` and `synth` commands."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Optional

import typer

from ..edge import interrupted_code
from ..evaluator.commands import PACKAGE_HELP
from ..evaluator.inputs import InputRefused, parse_date
from .evaluator import DEFAULT_EVALUATOR


def _refuse(refused: InputRefused) -> None:
    typer.echo(f"call0603: {refused}", err=True)
    raise typer.Exit(2)


def cohort(
    export: str = typer.Argument(..., help="A FHIR Bulk Data export: a folder of NDJSON files (.ndjson or .ndjson.gz), "
                                 "as a path or a URL read through fsspec (s3://bucket/export, file:///data/export)."),
    out: Path = typer.Option(..., "--out", help="Where to write assessments.ndjson, refused.ndjson, summary.json and the report."),
    starts: Optional[Path] = typer.Option(None, "--starts", help="CSV 'patient,start': day 0 per patient (else the patient's CarePlan)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="The evaluation date YYYY-MM-DD (default: today)."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes) or dask."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", min=1, help="Worker processes (local) or Dask workers (local cluster)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="A Dask scheduler address (tcp://host:port); implies --engine dask."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    fresh: bool = typer.Option(False, "--fresh", help="Discard an interrupted run in --out instead of resuming it."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write report.html and its figures (needs call0603[cohort])."),
    package: Optional[Path] = typer.Option(None, "--package", help=PACKAGE_HELP),
    evaluator: str = typer.Option(DEFAULT_EVALUATOR, "--evaluator", hidden=True, help="Module with assess_patient and load_context."),
    buckets: Optional[int] = typer.Option(None, "--buckets", hidden=True, min=1, help="Pass-1 bucket count (default: by size)."),
) -> None:
    """Evaluate every patient of a Bulk Data export and write one assessment per patient, the refusals and the cohort report."""
    from .job import Job
    from .progress import reporter
    from .run import run_cohort
    from .source import is_url
    from .starts import read_starts
    from .stopping import RunInterrupted

    if engine not in ("local", "dask"):
        raise typer.BadParameter("local or dask", param_hint="--engine")
    try:
        day = parse_date(as_of, "--as-of", "--as-of") if as_of is not None else _dt.date.today()
        job = Job(export=export if is_url(export) else Path(export), out=out, as_of=day, starts=read_starts(starts), evaluator=evaluator,
                  workers=workers, buckets=buckets, package=package)
        summary = run_cohort(job, engine=engine, scheduler=scheduler, reporter=reporter(quiet), fresh=fresh, report=report)
    except InputRefused as refused:
        _refuse(refused)
    except RunInterrupted as stop:
        typer.echo(f"call0603: cohort run stopped by {stop.name}; what it finished is kept in {out}: run the same "
                   "command again to resume", err=True)
        raise typer.Exit(interrupted_code(stop.signum)) from None
    patients = summary["patients"]
    typer.echo(f"{patients['total']} patients: {patients['assessed']} assessed, {patients['refused']} refused"
               f" ({patients['errors']} evaluation errors) -> {out}")
    if patients["errors"]:
        raise typer.Exit(1)


def synth(
    patients: int = typer.Option(1000, "--patients", min=1, help="How many patients (a random population)."),
    out: Path = typer.Option(..., "--out", help="The folder to write the NDJSON files and synth.json to."),
    seed: int = typer.Option(0, "--seed", help="The same seed gives the same population."),
    paper: bool = typer.Option(False, "--paper", help="The trial's 44 patients (Table 1 margins, 11 RER, 15 SER, 12 failures, 5 NA, 1 death)."),
    gzip_files: bool = typer.Option(False, "--gzip", help="Write .ndjson.gz files."),
) -> None:
    """Write a synthetic population as FHIR Bulk Data NDJSON (one file per resource type), reproducible from the seed."""
    from ..evaluator.outpath import check_output_folder, make_folder
    from .synth.writer import synthesize

    try:
        check_output_folder(out)
        make_folder(out)
        manifest = synthesize(out, patients, seed=seed, paper=paper, gzip_files=gzip_files)
    except InputRefused as refused:
        _refuse(refused)
    except OSError as e:
        _refuse(InputRefused(e.filename or out, f"cannot be written ({e.strerror or type(e).__name__})"))
    typer.echo(f"{manifest['patients']} patients, {sum(manifest['resources'].values())} resources -> {out}"
               f" (as-of {manifest['asOf']} sees all follow-up)")


def register(app: typer.Typer) -> None:
    """Add `cohort` and `synth` to the command line."""
    app.command("cohort")(cohort)
    app.command("synth")(synth)
