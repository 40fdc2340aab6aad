"""Runs many small jobs in forked worker processes, each with a time limit, so a runaway job cannot hang a run."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Generic, TypeVar

R = TypeVar("R")

#: Extra time a worker gets, beyond the job's own limit, before it is killed from outside.
GRACE_SECONDS = 2.0


class TimeLimitExceeded(BaseException):
    """Raised inside a job when its time is up (a BaseException, so `except Exception` in a job cannot swallow it)."""


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise TimeLimitExceeded()


def _worker(conn: Connection, work: Callable[[int], Any], lost: Callable[[int, str], Any], time_limit: float,
            memory_limit: int | None) -> None:
    if memory_limit is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    signal.signal(signal.SIGALRM, _on_alarm)
    while True:
        index = conn.recv()
        if index is None:
            return
        try:
            signal.setitimer(signal.ITIMER_REAL, time_limit)
            result = work(index)
        except TimeLimitExceeded:
            result = lost(index, f"time limit of {time_limit:g} s exceeded")
        except Exception as error:
            result = lost(index, f"the job itself failed: {type(error).__name__}: {error}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        conn.send((index, result))


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    index: int | None = None
    deadline: float = 0.0


@dataclass
class IsolatedRun(Generic[R]):
    """Jobs 0..count-1 run by `work(index)`; `lost(index, why)` stands in for a job that timed out or crashed."""

    count: int
    work: Callable[[int], R]
    lost: Callable[[int, str], R]
    time_limit: float = 10.0
    workers: int = 1
    memory_limit: int | None = None

    def _start(self) -> _Slot:
        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        process = context.Process(
            target=_worker, args=(child, self.work, self.lost, self.time_limit, self.memory_limit), daemon=True
        )
        process.start()
        child.close()
        return _Slot(process, parent)

    @staticmethod
    def _stop(slot: _Slot, *, kill: bool) -> None:
        if kill:
            slot.process.kill()
        else:
            try:
                slot.conn.send(None)
            except (BrokenPipeError, OSError):
                slot.process.kill()
        slot.process.join()
        slot.conn.close()

    def run(self) -> list[R]:
        """Every job's result, in index order."""
        results: list[Any] = [None] * self.count
        pending = deque(range(self.count))
        slots = [self._start() for _ in range(min(max(1, self.workers), self.count))]
        try:
            while pending or any(s.index is not None for s in slots):
                for slot in slots:
                    if slot.index is None and pending:
                        slot.index = pending.popleft()
                        slot.deadline = time.monotonic() + self.time_limit + GRACE_SECONDS
                        slot.conn.send(slot.index)
                busy = [s for s in slots if s.index is not None]
                timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
                ready = set(wait([s.conn for s in busy], timeout))
                for position, slot in enumerate(slots):
                    if slot.index is None:
                        continue
                    if slot.conn in ready:
                        try:
                            index, result = slot.conn.recv()
                            results[index] = result
                            slot.index = None
                            continue
                        except (EOFError, OSError):
                            slot.process.join(GRACE_SECONDS)
                            why = f"worker process died (exit code {slot.process.exitcode})"
                    elif time.monotonic() >= slot.deadline:
                        why = f"time limit of {self.time_limit:g} s exceeded; worker killed"
                    else:
                        continue
                    results[slot.index] = self.lost(slot.index, why)
                    self._stop(slot, kill=True)
                    slots[position] = self._start()
        finally:
            for slot in slots:
                self._stop(slot, kill=slot.index is not None)
        return results


def available_cores() -> int:
    """Cores this process may run on (honours taskset), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
