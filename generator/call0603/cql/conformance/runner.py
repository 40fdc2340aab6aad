"""Runs the whole suite: load the XML, translate (cached), evaluate each test in isolation, collect the report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .evaluate import EVALUATION_NOW, Outcome, Prepared, judge, outcome
from .isolation import IsolatedRun, available_cores
from .report import FileResult, Report
from .sources import library_for
from .suite import load_suite
from .translation import DEFAULT_CACHE, TranslationCache, translate_cached, translator_fingerprint

NOW_LIBRARY = "ConformanceNow"


@dataclass(frozen=True)
class RunOptions:
    """How to run: per-test time limit (s), worker processes, translation cache folder (None: no cache)."""

    time_limit: float = 10.0
    workers: int = 0
    cache: Path | None = DEFAULT_CACHE
    memory_limit: int | None = 2 * 1024**3

    @property
    def processes(self) -> int:
        """Worker processes to use: as asked, or one per available core."""
        return self.workers if self.workers > 0 else available_cores()


def _now_source() -> str:
    return f"library {NOW_LIBRARY} version '1.0.0'\n\ndefine \"Now\": {EVALUATION_NOW}\n"


def _evaluation_now(translation: Any) -> tuple[Any, str | None]:
    """The engine's DateTime for EVALUATION_NOW, computed by the engine from the literal, or why not."""
    if translation.elm is None:
        return None, "; ".join(str(m) for m in translation.errors)
    try:
        from .. import Engine

        return Engine([translation.elm]).evaluate(NOW_LIBRARY, expressions=["Now"])["Now"], None
    except Exception as error:
        return None, f"{type(error).__name__}: {error}"


def run_suite(suite_dir: Path, options: RunOptions = RunOptions()) -> Report:
    """Run every test of the suite under `suite_dir` and return the report."""
    started = time.monotonic()
    files = load_suite(suite_dir)
    tests = [t for f in files for t in f.tests]
    libraries = [library_for(t) for t in tests]
    sources = {lib.name: lib.text for lib in libraries}
    sources[NOW_LIBRARY] = _now_source()
    fingerprint = translator_fingerprint()
    cache = TranslationCache(options.cache, fingerprint) if options.cache is not None else None
    translations = translate_cached(sources, cache, processes=options.processes)
    notes = [f"evaluation now: {EVALUATION_NOW}"]
    if cache is not None:
        notes.append(f"translations from cache: {cache.hits} of {cache.hits + cache.misses}")
    now, why = _evaluation_now(translations[NOW_LIBRARY])
    if why is not None:
        notes.append(f"the engine could not build the evaluation now, tests ran without it: {why}")
    prepared = [Prepared(t, lib, translations[lib.name]) for t, lib in zip(tests, libraries)]

    def lost(index: int, why: str) -> Outcome:
        return outcome(prepared[index].test, "lost", error=why)

    outcomes = IsolatedRun(
        len(prepared), lambda i: judge(prepared[i], now), lost,
        time_limit=options.time_limit, workers=options.processes, memory_limit=options.memory_limit,
    ).run()
    by_file: dict[str, list[Outcome]] = {f.name: [] for f in files}
    for result in outcomes:
        by_file[result.file].append(result)
    return Report(
        suite=str(suite_dir),
        now=EVALUATION_NOW,
        translator=fingerprint,
        files=tuple(FileResult(name, tuple(results)) for name, results in by_file.items()),
        notes=tuple(notes),
        seconds=time.monotonic() - started,
    )
