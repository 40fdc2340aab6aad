"""Measures the course sheet for one patient: loading the package (once per process), then evaluation, the
CarePlan, the calendar and the page, and the whole `call0603 sheet` command as a user runs it.

Run: `python3 benchmarks/sheet.py [--runs N]`; prints one line per step: best and median wall time of N runs, and
the median CPU time (of the process and its children), the steadier figure when other work shares the machine.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from call0603.evaluator.context import load_context
from call0603.evaluator.inputs import load_patient
from call0603.paths import REPO
from call0603.sheet.model import sheet_for
from call0603.sheet.page import render_sheet

EXAMPLE = REPO / "examples" / "day14-low-counts.json"
AS_OF = _dt.date(2024, 3, 18)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the command runs in a child)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(step: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Best and median wall seconds, and median CPU seconds (steadier on a shared machine)."""
    seconds, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _cpu()
        step()
        seconds.append(time.perf_counter() - start)
        cpu.append(_cpu() - start_cpu)
    return min(seconds), statistics.median(seconds), statistics.median(cpu)


def _command(out: Path) -> None:
    subprocess.run([sys.executable, "-m", "call0603", "sheet", str(EXAMPLE), "--as-of", AS_OF.isoformat(), "--out", str(out)],
                   check=True, capture_output=True)


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    context = load_context()
    patient = load_patient(EXAMPLE, None)
    sheet = sheet_for(patient, start=None, as_of=AS_OF, context=context)
    page = render_sheet(sheet)
    with tempfile.TemporaryDirectory() as folder:
        steps: list[tuple[str, Callable[[], object]]] = [
            ("load package (compile ELM), once per process", load_context),
            ("evaluate + CarePlan + calendar + counts", lambda: sheet_for(patient, start=None, as_of=AS_OF, context=context)),
            ("render page (HTML + SVG)", lambda: render_sheet(sheet)),
            ("sheet for one patient, package loaded", lambda: render_sheet(sheet_for(patient, start=None, as_of=AS_OF, context=context))),
            ("`call0603 sheet` command, new process", lambda: _command(Path(folder) / "sheet.html")),
        ]
        print(f"example patient {EXAMPLE.name}, as of {AS_OF}; page {len(page.encode()):,} bytes; {runs} runs")
        for name, step in steps:
            best, median, cpu = _timed(step, runs)
            print(f"{name:48s} best {best * 1000:8.1f} ms  median {median * 1000:8.1f} ms  cpu {cpu * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
