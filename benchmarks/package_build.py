"""Measures the package build: guideline load, build (with translation), each validator, and a full import.

Run: `python3 benchmarks/package_build.py [--runs N]`; prints one line per step (best and median of N runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
import urllib.request
from typing import Callable

from call0603.authoring import build_package
from call0603.authoring.validate import VALIDATORS, validate
from call0603.guideline import load_guideline
from call0603.paths import TOOLS


def _timed(step: Callable[[], object], runs: int) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    return min(seconds), statistics.median(seconds)


def _import(bundle: bytes) -> None:
    process = subprocess.Popen(["node", str(TOOLS / "fhir-server.mjs"), "0", "60"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = process.stdout.readline().strip()  # type: ignore[union-attr]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=bundle, method="POST", headers={"Content-Type": "application/fhir+json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert json.loads(answer.read())["type"] == "transaction-response"
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=10)


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    guideline = load_guideline()
    start = time.perf_counter()
    built = build_package(guideline)
    first = time.perf_counter() - start
    bundle = next(data for path, data in built.files.items() if path.startswith("release/Bundle-"))
    steps: list[tuple[str, Callable[[], object]]] = [
        ("load guideline/", load_guideline),
        ("build package again (translation cached)", lambda: build_package(guideline)),
    ]
    steps += [(f"validate: {name}", lambda name=name: validate(built.resources, built.context, only=[name])) for name, _ in VALIDATORS]
    steps.append(("import: start server + POST bundle", lambda: _import(bundle)))
    print(f"{len(built.resources)} resources, {len(built.files)} files, bundle {len(bundle):,} bytes; {runs} runs")
    print(f"{'first build (translator start + translation)':45s} once {first * 1000:8.1f} ms")
    for name, step in steps:
        best, median = _timed(step, runs)
        print(f"{name:45s} best {best * 1000:8.1f} ms   median {median * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
