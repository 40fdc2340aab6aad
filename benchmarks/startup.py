"""Measures start-up: CPU seconds of `call0603 assess` and `call0603 apply` on one patient (the example bundle),
beside a bare `import call0603` and a bare interpreter, each run `--runs` times in turn (interleaved), reporting the
minimum and the median of the process's user + system CPU time, with the load average before and after. `assess`
runs twice: with the machine's code cache of the generated functions (docs/cql-engine.md), as every run after the
first does, and without it (`CALL0603_CODE_CACHE=off`), as the first run does.

CPU time, not wall time: other work on a shared machine lengthens the wall time, much less the CPU time (it still
inflates it somewhat on a loaded machine, hence the minimum beside the median and the load averages).

Run: `python3 benchmarks/startup.py [--runs 5] [--input examples/day14-low-counts.json]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from conditions import Conditions  # noqa: E402

from call0603.cql.runtime.codecache import CACHE_ENV  # noqa: E402

EXAMPLE = HERE.parent / "examples" / "day14-low-counts.json"
AS_OF = "2024-03-20"


def _cpu(command: list[str], env: dict[str, str] | None = None) -> float:
    """User + system CPU seconds of one run of the command (its whole waited process tree)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=None if env is None else {**os.environ, **env})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    """Print one row per command: runs, min and median CPU seconds."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--input", type=Path, default=EXAMPLE)
    args = parser.parse_args()
    python = sys.executable
    commands = {
        "python3 -c pass": [python, "-c", "pass"],
        "import call0603": [python, "-c", "import call0603"],
        "call0603 assess": [python, "-m", "call0603", "assess", str(args.input), "--as-of", AS_OF],
        "  no code cache": [python, "-m", "call0603", "assess", str(args.input), "--as-of", AS_OF],
        "call0603 apply": [python, "-m", "call0603", "apply", str(args.input), "--as-of", AS_OF],
    }
    environments = {"  no code cache": {CACHE_ENV: "off"}}
    conditions = Conditions.now()
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(_cpu(command, environments.get(name)))
    print(f"{'command':<18} {'runs':>4} {'min CPU s':>10} {'median CPU s':>13}")
    for name, measured in times.items():
        print(f"{name:<18} {len(measured):>4} {min(measured):>10.3f} {statistics.median(measured):>13.3f}")
    print(conditions.line())


if __name__ == "__main__":
    main()
