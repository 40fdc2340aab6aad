"""Measures the CQL engine against cql-execution 3.3.2 (+ cql-exec-fhir 2.2.0): patients per second and peak memory
for two libraries over N synthetic patients, the same ELM and bundles for both engines, each engine in its own
process pinned to one core (taskset -c 0), patients streamed from an NDJSON file.

- benchmark: benchmarks/EngineBenchmark.cql (the day-14 withholding rule, BSA, months between, age: 27 defines)
  over patients of 32 resources (benchmarks/synthetic.py);
- package: the package's own libraries as built in library/ (every Patient-context define of the main library,
  with the common library and FHIRHelpers it includes) over `call0603 synth` patients (about 40 resources each,
  missing and unusable data included), as of 2025-12-31.

"eval" is each engine's own work per patient: for this engine the CPU time of indexing the bundle and evaluating
every define (CPU time, so other work on a shared machine does not count); for cql-execution its Executor.exec
time as it reports it. Parsing the file's JSON is in neither; it is in "wall", with start-up and library loading.
Peak memory is the process's maximum resident set. `--check K` also compares both engines' values for the first K
patients (every define, tagged exactly).

Run: `python3 benchmarks/engine.py [--library benchmark package] [--patients 500 2000] [--check 50] [--skip-node]`.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from conditions import Conditions  # noqa: E402
from synthetic import package_bundles, patient_bundles, value_sets  # noqa: E402

from call0603.cql import crossengine  # noqa: E402
from call0603.paths import LIBRARY, REPO, TOOLS  # noqa: E402
from call0603.translator import translate  # noqa: E402

BENCHMARK = "EngineBenchmark"
FHIRHELPERS_ELM = REPO / "generator/call0603/authoring/cql/FHIRHelpers-4.0.1.elm.json"
PACKAGE_AS_OF = (2025, 12, 31)


@dataclass
class Workload:
    """One library to measure: its ELM (includes first), parameters (tagged), value sets, and its patients."""

    name: str
    libraries: list[dict[str, Any]]
    main: str
    now: str
    parameters: dict[str, Any]
    value_sets: list[dict[str, Any]]
    bundles: Callable[[int], Iterator[dict[str, Any]]]
    patients: str

    def request(self) -> dict[str, Any]:
        """What a worker needs besides the patients."""
        return {"libraries": self.libraries, "main": self.main, "now": self.now, "parameters": self.parameters,
                "valueSets": self.value_sets}

    def defines(self) -> list[str]:
        """The main library's Patient-context defines (both engines evaluate every one)."""
        return crossengine.patient_defines(next(e for e in self.libraries if e["library"]["identifier"]["id"] == self.main))


def benchmark_workload() -> Workload:
    """The benchmark library, translated with the project's FHIRHelpers."""
    sources = {"FHIRHelpers": crossengine.fhirhelpers_source(),
               BENCHMARK: (HERE / f"{BENCHMARK}.cql").read_text(encoding="utf-8")}
    translations = translate(sources)
    for name, translation in translations.items():
        if not translation.clean:
            raise SystemExit(f"{name} does not translate cleanly: {[str(m) for m in translation.errors + translation.warnings]}")
    return Workload("benchmark", [translations["FHIRHelpers"].elm, translations[BENCHMARK].elm], BENCHMARK,
                    "2024-02-15T12:00:00.000+00:00", {}, value_sets(), patient_bundles, "32 resources")


def package_workload() -> Workload:
    """The package's built libraries (library/*.elm.json and the build's FHIRHelpers ELM) and value sets."""
    elm = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(LIBRARY.glob("Library-*.elm.json"))]
    if not elm or not FHIRHELPERS_ELM.exists():
        raise SystemExit(f"no ELM in {LIBRARY} or no {FHIRHELPERS_ELM}: run `call0603 build`")
    included = {inc["path"] for e in elm for inc in (e["library"].get("includes") or {}).get("def") or ()}
    main = next(e["library"]["identifier"]["id"] for e in elm if e["library"]["identifier"]["id"] not in included)
    libraries = [json.loads(FHIRHELPERS_ELM.read_text(encoding="utf-8")), *sorted(elm, key=lambda e: e["library"]["identifier"]["id"] == main)]
    day = "-".join(f"{n:02d}" for n in PACKAGE_AS_OF)
    return Workload("package", libraries, main, f"{day}T12:00:00.000+00:00", {"asOf": {"Date": list(PACKAGE_AS_OF)}},
                    [json.loads(p.read_text(encoding="utf-8")) for p in sorted(LIBRARY.glob("ValueSet-*.json"))],
                    package_bundles, "~40 resources")


WORKLOADS = {"benchmark": benchmark_workload, "package": package_workload}


def _pinned(command: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *command] if shutil.which("taskset") else command


def _write_patients(path: Path, bundles: Iterator[dict[str, Any]]) -> None:
    with path.open("wb") as out:
        for bundle in bundles:
            out.write(orjson.dumps(bundle) + b"\n")


def python_worker(request_path: Path, ndjson: Path) -> dict[str, Any]:
    """Evaluate every define for every patient of the file in this process; time and memory as a dict."""
    from call0603.cql import Engine, PatientData, Terminology
    from call0603.cql.datatypes.datetime import DateTime

    started = time.perf_counter()
    request = json.loads(request_path.read_text(encoding="utf-8"))
    libraries, main = request["libraries"], request["main"]
    engine = Engine(libraries)
    names = crossengine.patient_defines(next(e for e in libraries if e["library"]["identifier"]["id"] == main))
    terminology = Terminology.from_resources(request["valueSets"])
    parameters = {k: crossengine.untagged(v) for k, v in request["parameters"].items()}
    now = DateTime.parse(request["now"])
    gc.freeze()  # as the cohort workers and the service do once the package is compiled
    evaluating = 0.0
    patients = 0
    clock = time.process_time
    with ndjson.open("rb") as lines:
        for line in lines:
            bundle = orjson.loads(line)
            begin = clock()
            engine.evaluate(main, data=PatientData.from_bundle(bundle), parameters=parameters, now=now,
                            expressions=names, terminology=terminology)
            evaluating += clock() - begin
            patients += 1
    return {"patients": patients, "seconds": evaluating, "wall": time.perf_counter() - started,
            "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _run_python(request_path: Path, ndjson: Path) -> dict[str, Any]:
    done = subprocess.run(_pinned([sys.executable, str(Path(__file__).resolve()), "--worker", str(request_path), str(ndjson)]),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _run_node(workload: Workload, ndjson: Path, folder: Path) -> dict[str, Any]:
    request = {"libraries": workload.libraries, "main": workload.main, "ndjson": str(ndjson),
               "executionDateTime": workload.now, "parameters": workload.parameters, "valueSets": workload.value_sets,
               "emit": "none", "chunk": 100}
    request_path, out = folder / "node-request.json", folder / "node-out.json"
    request_path.write_text(json.dumps(request), encoding="utf-8")
    started = time.perf_counter()
    with request_path.open("rb") as stdin:
        subprocess.run(_pinned(["node", str(TOOLS / "cql-execution.mjs"), str(out)]), stdin=stdin, check=True,
                       capture_output=True)
    answer = json.loads(out.read_text(encoding="utf-8"))
    return {"seconds": answer["seconds"], "wall": time.perf_counter() - started, "maxRssBytes": answer["maxRssBytes"]}


def _check(workload: Workload, count: int) -> str:
    bundles = list(workload.bundles(count))
    kwargs = dict(now=workload.now, value_sets=workload.value_sets, parameters=workload.parameters)
    result = crossengine.compare(workload.main, crossengine.run_engine(workload.libraries, workload.main, bundles, **kwargs),
                                 crossengine.run_cql_execution(workload.libraries, workload.main, bundles, **kwargs))
    defines = sorted({m.define for m in result.mismatches})
    return f"{workload.name}: agreement on the first {count} patients: {result.agreed} of {result.compared} values" + (
        f"; differing defines: {', '.join(defines)}" if defines else "")


def main() -> None:
    """Print the side-by-side table (and, with --check, the agreement lines)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", nargs="+", choices=sorted(WORKLOADS), default=sorted(WORKLOADS), help="libraries to measure")
    parser.add_argument("--patients", type=int, nargs="+", default=[2000], help="patient counts to measure")
    parser.add_argument("--check", type=int, default=0, help="compare both engines' values on this many patients")
    parser.add_argument("--skip-node", action="store_true", help="measure this engine only")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(python_worker(*args.worker)))
        return
    pinned = "pinned to core 0" if shutil.which("taskset") else "not pinned (no taskset)"
    print(f"one process per engine and run, {pinned}; eval: this engine's CPU time, cql-execution's own timer")
    print(f"{'library':<10} {'defines':>7} {'resources':>13} {'engine':<14} {'patients':>8} {'eval s':>8} "
          f"{'patients/s':>11} {'ms/patient':>10} {'wall s':>8} {'peak RSS MB':>12}  conditions")
    checks = []
    for name in args.library:
        workload = WORKLOADS[name]()
        defines = len([d for d in workload.defines() if d != "Patient"])
        with tempfile.TemporaryDirectory(prefix="call0603-bench-") as tmp:
            folder = Path(tmp)
            request_path = folder / "request.json"
            request_path.write_text(json.dumps(workload.request()), encoding="utf-8")
            for count in args.patients:
                ndjson = folder / f"patients-{count}.ndjson"
                _write_patients(ndjson, workload.bundles(count))
                runs = [("this engine", lambda: _run_python(request_path, ndjson))]
                if not args.skip_node:
                    runs.append(("cql-execution", lambda: _run_node(workload, ndjson, folder)))
                for engine, run in runs:
                    conditions = Conditions.now()
                    measured = run()
                    rate = count / measured["seconds"] if measured["seconds"] else float("inf")
                    print(f"{name:<10} {defines:>7} {workload.patients:>13} {engine:<14} {count:>8} {measured['seconds']:>8.2f} "
                          f"{rate:>11.0f} {1000 * measured['seconds'] / count:>10.3f} {measured['wall']:>8.2f} "
                          f"{measured['maxRssBytes'] / 2**20:>12.0f}  {conditions.line()}", flush=True)
        if args.check:
            checks.append(_check(workload, args.check))
    for line in checks:
        print(line)


if __name__ == "__main__":
    main()
