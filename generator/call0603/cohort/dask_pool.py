"""The Dask engine (`call0603[dask]`): the local engine's two passes, each call a task on a Dask cluster.

Pass 1 maps the export's slices to tasks that append each resource line to its patient's bucket file; pass 2 maps
the buckets to tasks that evaluate their patients into the bucket's part files. A worker holds one slice or one
bucket at a time (about `BUCKET_BYTES` of NDJSON), so its memory does not grow with the population, and no line is
parsed more than the local engine parses it. Each worker compiles the library once (the evaluator is cached per
process); part files are written whole, so a task that runs twice writes the same file. With
`--scheduler tcp://…` the workers must reach the export (an object-store URL each worker reads through fsspec, or a
path mounted alike) and `--out` at the same path (a shared filesystem: it holds the bucket and part files).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .job import Job
from .local import EngineRun, run_local, run_task
from .progress import Reporter

#: `--scheduler` value that runs an in-process cluster (threads): for tests.
IN_PROCESS = "in-process"
#: Settings of the cluster this engine starts: no statistical profiler sampling every task thread, and the event-loop
#: tick, memory and system monitors every second or two instead of every 20-500 ms. Their defaults cost an idle
#: 2-worker cluster 8% of a core (2.45 s CPU in 30 s; 0.59 s with these), CPU that grows with the wall time of a run.
CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


@contextmanager
def _client(scheduler: str | None, workers: int, local_directory: str) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    if scheduler and scheduler != IN_PROCESS:
        with Client(scheduler) as client:
            yield client
        return
    in_process = scheduler == IN_PROCESS
    with dask.config.set(CLUSTER_CONFIG), LocalCluster(
        n_workers=1 if in_process else workers, threads_per_worker=workers if in_process else 1,
        processes=not in_process, local_directory=local_directory, dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    ) as cluster, Client(cluster) as client:
        yield client


class DaskPool:
    """The local engine's pool interface over a Dask client: calls mapped to tasks, results in call order."""

    def __init__(self, client: Any, job: Job, done: frozenset[str], tick: Callable[[int], None]) -> None:
        self._client = client
        self._job = job
        self._done = client.scatter([done], broadcast=True)[0] if done else done
        self._tick = tick
        self._futures: list[Any] = []

    def run(self, fn: Callable[..., Any], calls: list[tuple], on_result: Callable[[Any], None]) -> list[Any]:
        from distributed import as_completed

        futures = self._futures = [self._client.submit(run_task, self._job, self._done, fn, args, pure=False)
                                   for args in calls]
        position = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for future in as_completed(futures):
            result, patients = future.result()
            results[position[future.key]] = result
            if patients:
                self._tick(patients)
            on_result(result)
        return results

    def close(self) -> None:
        """Nothing to release: the cluster belongs to the runner's context."""

    def terminate(self) -> None:
        """Cancel the tasks not finished (a stopped or refused run); the cluster ends with the runner's context."""
        if self._futures:
            self._client.cancel(self._futures)


def dask_runner(scheduler: str | None) -> Callable[..., EngineRun]:
    """The Dask engine on a scheduler address, an in-process cluster (`in-process`) or a LocalCluster (None)."""

    def run(job: Job, done: frozenset[str], run: int, reporter: Reporter,
            expect_hash: Callable[[str], None]) -> EngineRun:
        (job.work / "dask").mkdir(parents=True, exist_ok=True)
        with _client(scheduler, job.workers, str(job.work / "dask")) as client:
            return run_local(job, done, run, reporter, expect_hash, pool=DaskPool(client, job, done, reporter.advance))

    return run
