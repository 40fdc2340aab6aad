"""Prints how long `call0603 validate` takes: the whole command, then each validator alone (the profile validator
with its package cache already built, and the first time, building it)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time

from call0603 import paths
from call0603.authoring import package_context
from call0603.authoring.cli import read_artifacts
from call0603.authoring.validate import VALIDATORS, validate
from call0603.guideline import load_guideline


def _seconds(work) -> float:  # noqa: ANN001 - a callable
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    """Time the command and each validator; `--cold` first removes the profile validator's package cache."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cold", action="store_true", help="remove tools/.fhir-cache first (the first run builds it)")
    args = parser.parse_args()
    if args.cold:
        shutil.rmtree(paths.TOOLS / ".fhir-cache", ignore_errors=True)
    command = [sys.executable, "-m", "call0603", "validate"]
    whole = _seconds(lambda: subprocess.run(command, check=True, capture_output=True))
    print(f"call0603 validate: {whole:.1f} s{' (cold package cache)' if args.cold else ''}")
    resources, context = read_artifacts(paths.REPO), package_context(load_guideline())
    for name, _ in VALIDATORS:
        reports: list = []
        seconds = _seconds(lambda: reports.extend(validate(resources, context, only=[name])))
        (report,) = reports
        print(f"  {name:20s} {seconds:6.2f} s  {report.checked:4d} checks  {report.errors} errors  {report.warnings} warnings")


if __name__ == "__main__":
    main()
