"""Measures the CQL engine against cql-execution 3.3.2 (+ cql-exec-fhir 2.2.0): patients per second and peak
memory for benchmarks/EngineBenchmark.cql (the day-14 withholding rule, BSA, months between, age: 27 defines)
over N synthetic patients of 32 resources (benchmarks/synthetic.py), the same ELM and bundles for both, each
engine in its own process pinned to one core (taskset -c 0), patients streamed from an NDJSON file.

"eval" time is the engines' own work per patient (this engine: indexing the bundle and evaluating every
define; cql-execution: Executor.exec, which wraps the resources itself); JSON parsing of the file is not in it,
and is in "wall", with start-up and library loading. Peak memory is the process's maximum resident set.
`--check K` also compares both engines' values for the first K patients (every define, tagged exactly).

Run: `python3 benchmarks/engine.py [--patients 500 2000] [--check 50] [--skip-node]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import patient_bundles, value_sets  # noqa: E402

from call0603.cql import crossengine  # noqa: E402
from call0603.paths import TOOLS  # noqa: E402
from call0603.translator import translate  # noqa: E402

MAIN = "EngineBenchmark"
NOW = "2024-02-15T12:00:00.000+00:00"


def _pinned(command: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *command] if shutil.which("taskset") else command


def _libraries() -> list[dict[str, Any]]:
    sources = {"FHIRHelpers": crossengine.fhirhelpers_source(), MAIN: (HERE / f"{MAIN}.cql").read_text(encoding="utf-8")}
    translations = translate(sources)
    for name, translation in translations.items():
        if not translation.clean:
            raise SystemExit(f"{name} does not translate cleanly: {[str(m) for m in translation.errors + translation.warnings]}")
    return [translations["FHIRHelpers"].elm, translations[MAIN].elm]


def _write_patients(path: Path, count: int) -> None:
    with path.open("wb") as out:
        for bundle in patient_bundles(count):
            out.write(orjson.dumps(bundle) + b"\n")


def python_worker(libraries_path: Path, ndjson: Path) -> dict[str, Any]:
    """Evaluate every define for every patient of the file in this process; time and memory as a dict."""
    from call0603.cql import Engine, PatientData, Terminology
    from call0603.cql.datatypes.datetime import DateTime

    started = time.perf_counter()
    libraries = json.loads(libraries_path.read_text(encoding="utf-8"))
    engine = Engine(libraries)
    names = crossengine.patient_defines(libraries[-1])
    terminology = Terminology.from_resources(value_sets())
    now = DateTime.parse(NOW)
    evaluating = 0.0
    patients = 0
    with ndjson.open("rb") as lines:
        for line in lines:
            bundle = orjson.loads(line)
            begin = time.perf_counter()
            engine.evaluate(MAIN, data=PatientData.from_bundle(bundle), now=now, expressions=names, terminology=terminology)
            evaluating += time.perf_counter() - begin
            patients += 1
    return {"patients": patients, "seconds": evaluating, "wall": time.perf_counter() - started,
            "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _run_python(libraries_path: Path, ndjson: Path) -> dict[str, Any]:
    done = subprocess.run(_pinned([sys.executable, str(Path(__file__).resolve()), "--worker", str(libraries_path), str(ndjson)]),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _run_node(libraries: list[dict[str, Any]], ndjson: Path, folder: Path) -> dict[str, Any]:
    request = {"libraries": libraries, "main": MAIN, "ndjson": str(ndjson), "executionDateTime": NOW,
               "valueSets": value_sets(), "emit": "none", "chunk": 100}
    request_path, out = folder / "request.json", folder / "node-out.json"
    request_path.write_text(json.dumps(request), encoding="utf-8")
    started = time.perf_counter()
    with request_path.open("rb") as stdin:
        subprocess.run(_pinned(["node", str(TOOLS / "cql-execution.mjs"), str(out)]), stdin=stdin, check=True,
                       capture_output=True)
    answer = json.loads(out.read_text(encoding="utf-8"))
    return {"seconds": answer["seconds"], "wall": time.perf_counter() - started, "maxRssBytes": answer["maxRssBytes"]}


def _check(libraries: list[dict[str, Any]], count: int) -> str:
    bundles = list(patient_bundles(count))
    kwargs = dict(now=NOW, value_sets=value_sets())
    result = crossengine.compare(MAIN, crossengine.run_engine(libraries, MAIN, bundles, **kwargs),
                                 crossengine.run_cql_execution(libraries, MAIN, bundles, **kwargs))
    defines = sorted({m.define for m in result.mismatches})
    return f"agreement on the first {count} patients: {result.agreed} of {result.compared} values" + (
        f"; differing defines: {', '.join(defines)}" if defines else "")


def main() -> None:
    """Print the side-by-side table (and, with --check, the agreement line)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, nargs="+", default=[2000], help="patient counts to measure")
    parser.add_argument("--check", type=int, default=0, help="compare both engines' values on this many patients")
    parser.add_argument("--skip-node", action="store_true", help="measure this engine only")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(python_worker(*args.worker)))
        return
    libraries = _libraries()
    rows = []
    with tempfile.TemporaryDirectory(prefix="call0603-bench-") as tmp:
        folder = Path(tmp)
        libraries_path = folder / "libraries.json"
        libraries_path.write_text(json.dumps(libraries), encoding="utf-8")
        for count in args.patients:
            ndjson = folder / f"patients-{count}.ndjson"
            _write_patients(ndjson, count)
            rows.append(("this engine", count, _run_python(libraries_path, ndjson)))
            if not args.skip_node:
                rows.append(("cql-execution", count, _run_node(libraries, ndjson, folder)))
    pinned = "pinned to core 0" if shutil.which("taskset") else "not pinned (no taskset)"
    defines = [d for d in crossengine.patient_defines(libraries[-1]) if d != "Patient"]
    print(f"{MAIN}: {len(defines)} defines (and Patient), 32 resources per patient, {pinned}")
    print(f"{'engine':<14} {'patients':>8} {'eval s':>8} {'patients/s':>11} {'wall s':>8} {'peak RSS MB':>12}")
    for engine, count, measured in rows:
        rate = count / measured["seconds"] if measured["seconds"] else float("inf")
        print(f"{engine:<14} {count:>8} {measured['seconds']:>8.2f} {rate:>11.0f} {measured['wall']:>8.2f} "
              f"{measured['maxRssBytes'] / 2**20:>12.0f}")
    if args.check:
        print(_check(libraries, args.check))


if __name__ == "__main__":
    main()
