"""A cohort run from start to end: check the work folder, run an engine, merge the outputs, write the summary and report."""

from __future__ import annotations

import importlib.util
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import orjson

from .. import __version__
from ..evaluator.inputs import InputRefused
from ..evaluator.outpath import check_output_folder, make_folder
from .job import Job
from .local import EngineRun, run_local
from .ndjson import SliceStats, input_files
from .outputs import ASSESSMENTS, REFUSALS, SUMMARY, Merged, merge_outputs, write_json
from .progress import Reporter, Silent
from .records import Provenance, dumps, refusal
from .resume import atomic_write, done_patients, next_run
from .source import local_path
from .stopping import stop_on_signals

#: What the cohort report needs (the `cohort` extra).
REPORT_MODULES = ("scipy", "lifelines", "matplotlib")
#: How many distinct refusal reasons the summary lists (the rest are counted as "other reasons").
REASONS_LISTED = 25


def fingerprint(job: Job) -> dict[str, Any]:
    """What makes two runs the same run: the export's files, the as-of date, the starts file and the evaluator."""
    files = [[f.name, f.size, f.stamp] for f in input_files(job.export)]
    local = local_path(job.export)
    return {"export": str(local.resolve()) if local else str(job.export), "files": files, "asOf": job.as_of.isoformat(),
            "starts": job.starts.sha256, "evaluator": job.evaluator}


def _prepare(job: Job, fresh: bool) -> tuple[dict[str, Any], bool]:
    """The work folder ready for this run; True when an earlier identical run already completed."""
    marker = job.work / "run.json"
    wanted = fingerprint(job)
    if fresh and job.work.exists():
        shutil.rmtree(job.work)
    if marker.exists():
        recorded = orjson.loads(marker.read_bytes())
        if {k: recorded.get(k) for k in wanted} != wanted:
            raise InputRefused(job.out, "holds a run over other inputs or another as-of date; use another --out or --fresh")
        return recorded, bool(recorded.get("complete"))
    make_folder(job.out)
    make_folder(job.work)
    atomic_write(marker, orjson.dumps(wanted))
    return wanted, False


def _hash_check(job: Job, recorded: dict[str, Any]) -> Callable[[str], None]:
    def check(library_hash: str) -> None:
        if recorded.get("libraryHash") not in (None, library_hash):
            raise InputRefused(job.out, f"was started with library {recorded['libraryHash']}, not {library_hash}; use --fresh")
        recorded["libraryHash"] = library_hash
        atomic_write(job.work / "run.json", orjson.dumps(recorded))
    return check


def _patients_summary(out: Path, merged: Merged, starts_ids: set[str]) -> dict[str, Any]:
    """Counts of assessed and refused patients, refusal reasons, and starts that matched no patient."""
    unmatched = set(starts_ids)
    reasons: Counter = Counter()
    for name in (ASSESSMENTS, REFUSALS) if unmatched else (REFUSALS,):
        with (out / name).open("rb") as f:
            for line in f:
                record = orjson.loads(line)
                if isinstance(record.get("subject"), str):
                    unmatched.discard(record["subject"].removeprefix("Patient/"))
                if name == REFUSALS:
                    reasons[record["reason"]] += 1
    listed = dict(reasons.most_common(REASONS_LISTED))
    other = sum(reasons.values()) - sum(listed.values())
    return {
        "total": merged.assessed + merged.refused, "assessed": merged.assessed, "refused": merged.refused,
        "errors": merged.errors, "refusedReasons": listed | ({"other reasons": other} if other else {}),
        "startsWithoutPatient": len(unmatched), "startsWithoutPatientIds": sorted(unmatched)[:20],
    }


def _input_summary(stats: SliceStats, job: Job) -> dict[str, Any]:
    return {
        "export": str(job.export), "files": [f.name for f in input_files(job.export)],
        "resources": dict(sorted(stats.resources.items())), "patientResources": stats.patients,
        "resourcesWithoutPatient": dict(sorted(stats.without_patient.items())),
    }


def _engine(engine: str, scheduler: str | None) -> Callable[..., EngineRun]:
    if engine == "local" and scheduler is None:
        return run_local
    if importlib.util.find_spec("distributed") is None:
        raise InputRefused("--engine dask", "dask is not installed: pip install 'call0603[dask]'")
    from .dask_pool import dask_runner

    return dask_runner(scheduler)


def run_cohort(job: Job, *, engine: str = "local", scheduler: str | None = None, reporter: Reporter | None = None,
               fresh: bool = False, report: bool = True) -> dict[str, Any]:
    """Evaluate every patient of the export (resuming an interrupted run) and write the outputs; the summary is returned.

    Outputs in `job.out`: assessments.ndjson, refused.ndjson, summary.json, and report.html with its figures.
    A document that cannot be used, or an output folder that is the export, lies inside it or cannot be written,
    raises InputRefused before anything is written. The first SIGINT or SIGTERM raises RunInterrupted once the
    workers are ended; the run resumes from what it finished.
    """
    with stop_on_signals():
        return _run_cohort(job, engine, scheduler, reporter or Silent(), fresh, report)


def _run_cohort(job: Job, engine: str, scheduler: str | None, reporter: Reporter, fresh: bool, report: bool) -> dict[str, Any]:
    input_files(job.export)
    local = local_path(job.export)
    check_output_folder(job.out, [local] if local else [])
    created, work_existed = not job.out.exists(), job.work.exists()
    try:
        recorded, complete = _prepare(job, fresh)
        if not complete:
            done = frozenset(done_patients(job.parts_dir)) if job.parts_dir.exists() else frozenset()
            run = next_run(job.parts_dir) if job.parts_dir.exists() else 1
            result = _engine(engine, scheduler)(job, done, run, reporter, _hash_check(job, recorded))
            provenance = Provenance(__version__, result.library_hash)
            nameless = [dumps(refusal(None, source, reason, provenance)) for source, reason in result.stats.nameless_patients]
            merged = merge_outputs(job.parts_dir, job.out, nameless)
            recorded |= {"input": _input_summary(result.stats, job), "merged": [merged.assessed, merged.refused, merged.errors]}
        else:
            merged = Merged(*recorded["merged"])
    except InputRefused:
        if created or not work_existed:
            shutil.rmtree(job.out if created else job.work, ignore_errors=True)
        raise
    finally:
        reporter.close()
    summary: dict[str, Any] = {
        "package": {"name": "call0603", "version": __version__}, "libraryHash": recorded["libraryHash"],
        "evaluator": job.evaluator, "asOf": job.as_of.isoformat(), "engine": engine if scheduler is None else "dask",
        "input": recorded["input"], "patients": _patients_summary(job.out, merged, set(job.starts.by_patient)),
    }
    missing = [m for m in REPORT_MODULES if importlib.util.find_spec(m) is None]
    if report and missing:
        summary["report"] = {"skipped": f"{', '.join(missing)} not installed: pip install 'call0603[cohort]'"}
    elif report:
        from .report import write_report

        summary["report"] = write_report(job.out / ASSESSMENTS, job.out, summary)
    write_json(job.out / SUMMARY, summary)
    recorded["complete"] = True
    atomic_write(job.work / "run.json", orjson.dumps(recorded))
    for folder in (job.buckets_dir, job.parts_dir):
        shutil.rmtree(folder, ignore_errors=True)
    return summary
