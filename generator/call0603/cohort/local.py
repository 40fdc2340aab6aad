"""The local engine: standard-library worker processes, each compiling the library once, over the two-pass group-by."""

from __future__ import annotations

import multiprocessing as mp
import queue as _queue
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Callable

import orjson

from .. import __version__
from ..collector import settle, settle_if_worker_process, settled
from .evaluator import load_evaluator
from .job import Job
from .ndjson import Slice, SliceStats, bucket_count, bucket_groups, input_files, refuse_on_error, slices, split_slice
from .progress import Reporter
from .records import Provenance, evaluate
from .resume import PartWriter, atomic_write
from .stopping import ignore_sigint, sigint_ignored

#: How often a worker reports how many patients it has done.
TICK_SECONDS = 0.2


@dataclass(frozen=True)
class EngineRun:
    """What an engine hands back: pass-1 counts and the hash of the library every worker compiled."""

    stats: SliceStats
    library_hash: str


@dataclass
class _Worker:
    job: Job
    done: frozenset[str]
    tick: Callable[[int], None]
    atomic: bool = False


_STATE: _Worker | None = None
_COUNTED = threading.local()


def _init(job: Job, done: frozenset[str], ticks: Any) -> None:
    global _STATE
    if ticks is not None:
        ignore_sigint()
    _STATE = _Worker(job, done, ticks.put if ticks is not None else (lambda n: None))
    load_evaluator(job.evaluator, job.package)
    if ticks is not None:
        settle()


def _count(patients: int) -> None:
    _COUNTED.patients = getattr(_COUNTED, "patients", 0) + patients


def run_task(job: Job, done: frozenset[str], fn: Callable[..., Any], args: tuple) -> tuple[Any, int]:
    """One pass-1 or pass-2 call on a worker of another pool (a Dask task): its result and the patients it evaluated.

    Part files are written whole (a task may run twice); the count is per thread, so threaded workers do not mix them.
    """
    global _STATE
    _STATE = _Worker(job, done, _count, atomic=True)
    load_evaluator(job.evaluator, job.package)
    settle_if_worker_process()
    _COUNTED.patients = 0
    result = fn(*args)
    return result, _COUNTED.patients


def _library_hash() -> str:
    assert _STATE is not None
    return load_evaluator(_STATE.job.evaluator, _STATE.job.package).library_hash


def _split(piece: Slice, buckets: int) -> SliceStats:
    assert _STATE is not None
    return split_slice(piece, str(_STATE.job.buckets_dir), buckets)


def _evaluate_bucket(bucket: int, run: int) -> str:
    """Pass 2 over one bucket: each patient not yet written is evaluated and appended to the bucket's part files."""
    assert _STATE is not None
    job, evaluator = _STATE.job, load_evaluator(_STATE.job.evaluator, _STATE.job.package)
    provenance = Provenance(__version__, evaluator.library_hash)
    writer = PartWriter(job.parts_dir, run, f"b{bucket:04d}", atomic=_STATE.atomic)
    pending, last = 0, time.monotonic()
    try:
        for pid, lines in bucket_groups(job.buckets_dir, bucket):
            if pid in _STATE.done:
                continue
            writer.write(
                evaluate(pid, lines, source=job.source, start=job.starts.get(pid), as_of=job.as_of,
                         evaluator=evaluator, provenance=provenance)
            )
            pending += 1
            if time.monotonic() - last > TICK_SECONDS:
                _STATE.tick(pending)
                pending, last = 0, time.monotonic()
    finally:
        writer.close()
        if pending:
            _STATE.tick(pending)
    return evaluator.library_hash


def stats_json(stats: SliceStats, buckets: int) -> bytes:
    """Pass 1's result as the marker that lets a resumed run skip it."""
    return orjson.dumps({
        "buckets": buckets, "resources": stats.resources, "patients": stats.patients,
        "withoutPatient": stats.without_patient, "namelessPatients": stats.nameless_patients,
    })


def stats_from_json(raw: bytes) -> tuple[SliceStats, int]:
    """The pass-1 marker read back."""
    data = orjson.loads(raw)
    stats = SliceStats()
    stats.resources.update(data["resources"])
    stats.patients = data["patients"]
    stats.without_patient.update(data["withoutPatient"])
    stats.nameless_patients = [tuple(x) for x in data["namelessPatients"]]
    return stats, data["buckets"]


class _InProcess:
    """The pool interface run in this process (one worker: no process start, same code; the collector set for the
    run and given back after it)."""

    def __init__(self, job: Job, done: frozenset[str], tick: Callable[[int], None]) -> None:
        global _STATE
        _init(job, done, None)
        assert _STATE is not None
        _STATE.tick = tick
        self._collector = ExitStack()
        self._collector.enter_context(settled())

    def run(self, fn: Callable[..., Any], calls: list[tuple], on_result: Callable[[Any], None]) -> list[Any]:
        results = []
        for args in calls:
            results.append(fn(*args))
            on_result(results[-1])
        return results

    def close(self) -> None:
        """The collector given back."""
        self._collector.close()

    def terminate(self) -> None:
        """The collector given back."""
        self._collector.close()


class _Pool:
    """A spawn pool whose workers compile the library once and send patient counts back on a queue."""

    def __init__(self, job: Job, done: frozenset[str], tick: Callable[[int], None]) -> None:
        ctx = mp.get_context("spawn")
        self._ticks = ctx.Queue()
        self._tick = tick
        with sigint_ignored():
            self._pool = ctx.Pool(job.workers, initializer=_init, initargs=(job, done, self._ticks))

    def _drain(self) -> None:
        try:
            while True:
                self._tick(self._ticks.get_nowait())
        except _queue.Empty:
            pass

    def run(self, fn: Callable[..., Any], calls: list[tuple], on_result: Callable[[Any], None]) -> list[Any]:
        pending = [self._pool.apply_async(fn, args) for args in calls]
        results: list[Any] = [None] * len(pending)
        waiting = set(range(len(pending)))
        while waiting:
            for i in sorted(waiting):
                if pending[i].ready():
                    results[i] = pending[i].get()
                    on_result(results[i])
                    waiting.discard(i)
            self._drain()
            if waiting:
                time.sleep(0.05)
        self._drain()
        return results

    def close(self) -> None:
        """Wait for the workers to finish and end them."""
        self._pool.close()
        self._pool.join()

    def terminate(self) -> None:
        """End the workers now (a stopped run): a part line cut short is dropped when the run resumes."""
        self._pool.terminate()
        self._pool.join()


def _grouped(job: Job, pool: Any, reporter: Reporter) -> tuple[SliceStats, int]:
    """Pass 1, or its marker when an earlier run finished it."""
    marker = job.buckets_dir / "done.json"
    if marker.exists():
        return stats_from_json(marker.read_bytes())
    files = input_files(job.export)
    buckets = job.buckets or bucket_count(files)
    pieces = slices(files)
    for stale in job.buckets_dir.glob("*.tsv"):
        stale.unlink()
    job.buckets_dir.mkdir(parents=True, exist_ok=True)
    reporter.phase("grouping by patient", len(pieces))
    results = pool.run(_split, [(p, buckets) for p in pieces], lambda _: reporter.advance(1))
    stats = SliceStats()
    for piece, result in zip(pieces, results):
        refuse_on_error(piece, result)
        stats.add(result)
    atomic_write(marker, stats_json(stats, buckets))
    return stats, buckets


def run_local(job: Job, done: frozenset[str], run: int, reporter: Reporter,
              expect_hash: Callable[[str], None], pool: Any = None) -> EngineRun:
    """Group the export by patient and evaluate every patient not in `done`, writing part files of run `run`.

    `expect_hash` is called with the library hash before any patient is evaluated (a resumed run checks it).
    `pool` runs the calls (this process or spawned workers by default; the Dask engine passes its cluster's).
    """
    pool = pool or (_InProcess if job.workers <= 1 else _Pool)(job, done, reporter.advance)
    try:
        stats, buckets = _grouped(job, pool, reporter)
        library_hash = pool.run(_library_hash, [()], lambda _: None)[0]
        expect_hash(library_hash)
        job.parts_dir.mkdir(parents=True, exist_ok=True)
        reporter.phase("evaluating patients", max(stats.patients - len(done), 0))
        hashes = pool.run(_evaluate_bucket, [(b, run) for b in range(buckets)], lambda _: None)
    except BaseException:
        pool.terminate()
        raise
    pool.close()
    if any(h != library_hash for h in hashes):
        raise RuntimeError(f"workers compiled different libraries: {sorted(set(hashes))}")
    return EngineRun(stats, library_hash)
