"""Stopping a cohort run on the first Ctrl-C (SIGINT) or SIGTERM: the signal becomes an exception in the main
thread, the engine ends its workers, and what was finished stays on disk for the next run to resume."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

#: The signals that stop a run.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by a signal (a KeyboardInterrupt, so no `except Exception` on the way swallows it)."""

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block the first SIGINT or SIGTERM raises RunInterrupted; a second one acts as it did before."""
    if not _main_thread():
        yield
        return
    previous: dict[int, Any] = {s: signal.getsignal(s) for s in STOP_SIGNALS}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)

    def stop(signum: int, frame: Any) -> None:
        restore()
        raise RunInterrupted(signum)

    for number in STOP_SIGNALS:
        signal.signal(number, stop)
    try:
        yield
    finally:
        restore()


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Start worker processes with SIGINT ignored (they inherit it), so Ctrl-C reaches the parent alone, which ends them."""
    if not _main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def ignore_sigint() -> None:
    """In a worker process: leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
