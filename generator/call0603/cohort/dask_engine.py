"""The Dask engine (`call0603[dask]`): the export read as a Dask bag, a DataFrame shuffle by patient, one task per partition.

Each Dask worker compiles the library once (the evaluator is cached per process) and writes its partition's
part files whole, so a task that runs twice writes the same file. With `--scheduler tcp://…` the workers
must see the export and `--out` at the same paths (a shared filesystem).
"""

from __future__ import annotations

import gzip
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from .. import __version__
from ..evaluator.inputs import READ_ERRORS, InputRefused, iter_ndjson, patient_of
from .evaluator import load_evaluator
from .job import Job
from .local import EngineRun
from .ndjson import BUCKET_BYTES, SliceStats, bucket_count, input_files
from .progress import Reporter
from .records import Provenance, evaluate
from .resume import PartWriter

#: Block size of the bag that reads a plain NDJSON file (a gzip file is one block).
BLOCK_BYTES = 64 * 1024 * 1024
#: `--scheduler` value that runs an in-process cluster (threads): for tests.
IN_PROCESS = "in-process"


def _block_stats(lines: Iterator[str], path: str) -> list[SliceStats]:
    """Validation of one block: counts by type, Patients, resources naming no patient; the first bad line flags the file."""
    stats = SliceStats()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            resource = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            stats.error, stats.source = (number, f"not JSON ({e})"), path
            break
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            stats.error, stats.source = (number, "not a FHIR resource"), path
            break
        stats.resources[kind] += 1
        pid = patient_of(resource)
        if isinstance(pid, str) and pid:
            stats.patients += kind == "Patient"
        elif kind == "Patient":
            stats.nameless_patients.append((path, "a Patient resource without an id"))
        else:
            stats.without_patient[kind] += 1
    return [stats]


def _keyed_rows(lines: Iterator[str]) -> list[dict[str, str]]:
    """Each resource line with its patient id (lines naming no patient are counted by validation, not evaluated)."""
    rows = []
    for line in lines:
        line = line.strip()
        if line:
            pid = patient_of(orjson.loads(line))
            if isinstance(pid, str) and pid:
                rows.append({"pid": pid, "line": line})
    return rows


def _evaluate_partition(df: Any, job: Job, done: frozenset[str], run: int, partition_info: dict | None = None) -> Any:
    """Every patient of one shuffled partition evaluated, in id order, into the partition's part files."""
    import pandas as pd

    evaluator = load_evaluator(job.evaluator, job.package)
    provenance = Provenance(__version__, evaluator.library_hash)
    number = (partition_info or {}).get("number", 0)
    writer = PartWriter(job.parts_dir, run, f"p{number:05d}", atomic=True)
    count = 0
    try:
        for pid, lines in sorted(df.groupby("pid", sort=False)["line"]):
            if pid in done:
                continue
            writer.write(evaluate(pid, list(lines), source=job.source, start=job.starts.get(pid), as_of=job.as_of,
                                  evaluator=evaluator, provenance=provenance))
            count += 1
    finally:
        writer.close()
    return pd.DataFrame({"patients": [count], "library": [evaluator.library_hash]})


def _library_hash(module: str, package: Path | None) -> str:
    return load_evaluator(module, package).library_hash


@contextmanager
def _client(scheduler: str | None, workers: int, local_directory: str) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler and scheduler != IN_PROCESS:
        with Client(scheduler) as client:
            yield client
        return
    in_process = scheduler == IN_PROCESS
    with LocalCluster(n_workers=1 if in_process else workers, threads_per_worker=workers if in_process else 1,
                      processes=not in_process, local_directory=local_directory, dashboard_address=":0",
                      silence_logs=logging.CRITICAL) as cluster:
        with Client(cluster) as client:
            yield client


def _bag(job: Job, fn: Callable, *args: Any) -> Any:
    import dask.bag as db

    bags = []
    for path in input_files(job.export):
        gz = path.name.endswith(".gz")
        bag = db.read_text(str(path), blocksize=None if gz else BLOCK_BYTES, compression="gzip" if gz else None)
        bags.append(bag.map_partitions(fn, *([str(path)] if fn is _block_stats else []), *args))
    return db.concat(bags)


def _validate(job: Job, client: Any) -> SliceStats:
    """The whole export checked before any patient is evaluated: a bad line refuses it, naming the file and line."""
    stats = SliceStats()
    try:
        parts = client.compute(_bag(job, _block_stats), sync=True)
    except READ_ERRORS:
        _refuse_unreadable(job)
        raise
    for part in parts:
        if part.error is not None and part.source is not None:
            for _ in iter_ndjson(Path(part.source)):  # names the file and line of the first bad line
                pass
            raise InputRefused(part.source, part.error[1])
        stats.add(part)
    stats.nameless_patients = [entry for path in sorted({p for p, _ in stats.nameless_patients}) for entry in _nameless(path)]
    return stats


def _refuse_unreadable(job: Job) -> None:
    """After a read failed inside a task: the first file that cannot be read whole, named in a refusal."""
    for path in input_files(job.export):
        for _ in iter_ndjson(path):
            pass


def _nameless(path: str) -> list[tuple[str, str]]:
    """The Patients without an id in one file, named by file and line as the local engine names them."""
    found = []
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        for number, line in enumerate(f, 1):
            resource = orjson.loads(line) if b'"Patient"' in line else {}
            if resource.get("resourceType") == "Patient" and not patient_of(resource):
                found.append((f"{path}:{number}", "a Patient resource without an id"))
    return found


def dask_runner(scheduler: str | None) -> Callable[..., EngineRun]:
    """The Dask engine on a scheduler address, an in-process cluster (`in-process`) or a LocalCluster (None)."""

    def run(job: Job, done: frozenset[str], run: int, reporter: Reporter, expect_hash: Callable[[str], None]) -> EngineRun:
        import pandas as pd
        from distributed import as_completed

        job.parts_dir.mkdir(parents=True, exist_ok=True)
        (job.work / "dask").mkdir(parents=True, exist_ok=True)
        with _client(scheduler, job.workers, str(job.work / "dask")) as client:
            reporter.phase("checking the export", None)
            stats = _validate(job, client)
            library_hash = client.submit(_library_hash, job.evaluator, job.package, pure=False).result()
            expect_hash(library_hash)
            partitions = max(2 * job.workers, bucket_count(input_files(job.export)) * BUCKET_BYTES // BLOCK_BYTES or 1)
            meta = pd.DataFrame({"pid": pd.Series(dtype=str), "line": pd.Series(dtype=str)})
            frame = _bag(job, _keyed_rows).to_dataframe(meta=meta).shuffle("pid", npartitions=partitions)
            out_meta = pd.DataFrame({"patients": pd.Series(dtype=int), "library": pd.Series(dtype=str)})
            results = frame.map_partitions(_evaluate_partition, job, done, run, meta=out_meta)
            reporter.phase("evaluating patients", max(stats.patients - len(done), 0))
            hashes = set()
            for future in as_completed(client.compute(results.to_delayed())):
                part = future.result()
                reporter.advance(int(part["patients"].sum()))
                hashes.update(part["library"])
        if hashes - {library_hash}:
            raise RuntimeError(f"workers compiled different libraries: {sorted(hashes)}")
        return EngineRun(stats, library_hash)

    return run

