"""Python's cyclic garbage collector set for a process that evaluates many patients against one compiled package (a
cohort worker, the service): once the library is compiled, what is loaded is moved out of the collector's sight and
young objects are collected less often.

Such a process evaluates patient after patient, each a burst of short-lived dicts and tuples that reference counting frees.
With the defaults every 700 allocations start a young collection, and every hundred of those a full one that walks the
whole compiled library and every imported module again: about a tenth of a worker's CPU, spent finding nothing (the
library lives as long as the worker). Frozen objects are never collected; memory is unchanged (the threshold bounds
the young generation at a few megabytes).
"""

from __future__ import annotations

import gc
import multiprocessing
from contextlib import contextmanager
from typing import Iterator

#: Allocations between young-generation collections (Python's default is 700).
YOUNG_THRESHOLD = 10_000

_settled = False


def settle() -> None:
    """Collect once, freeze what survives (the compiled library, modules) and raise the young threshold; once per process."""
    global _settled
    if _settled:
        return
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    _settled = True


def settle_if_worker_process() -> None:
    """`settle` in a process started to work (a Dask worker under its nanny), never in the process that runs the command."""
    if multiprocessing.parent_process() is not None:
        settle()


@contextmanager
def settled() -> Iterator[None]:
    """The collector set for evaluating in this process, and given back as it was afterwards (one worker, in-process)."""
    global _settled
    if _settled:
        yield
        return
    threshold = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        _settled = False
