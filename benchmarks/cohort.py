"""Measures `call0603 cohort` on synthetic populations: patients per second and peak memory (RSS of the whole
process tree, and of its largest worker process, sampled every 50 ms) for the local engine on 1 and 2 workers and
Dask (LocalCluster) on 2 workers, and checks that local and Dask wrote identical outputs. With the package's ELM in `library/`, the same patients
also go through cql-execution (node, tools/cql-execution.mjs, every Patient-context define of the main library)
for the side-by-side ratio, measured on a sample (`--node-patients`, default 500: it evaluates a few patients per
second); without the ELM, the table says why that row cannot run. The ratio is printed only when the cohort runs
the package's evaluator (the plumbing function applies no CQL).

The per-patient function is the package's evaluator when it is built (`call0603.evaluator.assess`), else the
plumbing function (`call0603.cohort.plumbing`: no clinical rule), whose figures are those of the cohort machinery
alone (read, group, write): say so when quoting them.

`--split` adds the CPU split of a one-worker run (in one process, so every CPU second is counted): start-up (the
interpreter, imports and compiling the library), the engine (CPU inside the CQL engine's `evaluate`, the garbage
collections it triggers included) and the pipeline (all the rest: reading and grouping the NDJSON, the reading layer
and indexing each patient's resources, assembling and writing the records, merging the outputs).

Run: `python3 benchmarks/cohort.py [--patients 10000 100000] [--data DIR] [--evaluator MODULE] [--skip-dask]
[--node-patients 500] [--split]`.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import psutil
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conditions import Conditions  # noqa: E402

from call0603.cohort.ndjson import bucket_count, bucket_groups, input_files, slices, split_slice  # noqa: E402
from call0603.cohort.synth.writer import RANDOM_HORIZON, synthesize  # noqa: E402
from call0603.authoring.write import FHIRHELPERS_ELM  # noqa: E402
from call0603.paths import GUIDELINE, LIBRARY, REPO, TOOLS  # noqa: E402

EVALUATOR = "call0603.evaluator.assess"
PLUMBING = "call0603.cohort.plumbing"


class PeakRss:
    """The peak of the summed resident memory of a process and all its descendants, and the peak of the largest single
    process among the descendants (a worker: local pool process, Dask worker; the process itself when it has none),
    sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.peak = 0
        self.peak_one = 0
        self._root = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every,), daemon=True)
        self._thread.start()

    def _sample(self, every: float) -> None:
        while not self._stop.is_set():
            try:
                descendants = self._root.children(recursive=True)
                sizes = []
                for p in [self._root, *descendants]:
                    try:
                        sizes.append(p.memory_info().rss)
                    except psutil.NoSuchProcess:
                        sizes.append(0)
                self.peak = max(self.peak, sum(sizes))
                self.peak_one = max(self.peak_one, max(sizes[1:]) if descendants else sizes[0])
            except psutil.NoSuchProcess:
                return
            time.sleep(every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command: list[str], env: dict[str, str] | None = None, stdin: Any = None) -> dict[str, Any]:
    """Run a command: wall seconds, CPU seconds of its whole (waited) process tree, and peak tree RSS.

    CPU seconds do not grow when other work shares the machine; wall seconds do.
    """
    conditions = Conditions.now()
    started, cpu = time.perf_counter(), _children_cpu()
    process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    rss = PeakRss(process.pid)
    out, err = process.communicate()
    peak = rss.stop()
    result = {"wall": time.perf_counter() - started, "cpu": _children_cpu() - cpu, "peakRss": peak,
              "peakWorker": rss.peak_one, "stdout": out.decode(),
              "conditions": conditions.line()}
    if process.returncode not in (0, 1):
        result["error"] = f"exit {process.returncode}: {err.decode()[-300:]}"
    return result


def population(data: Path, patients: int, seed: int) -> Path:
    """The synthetic export of that size, made once and kept in `data`."""
    folder = data / f"synth-{patients}-seed{seed}"
    manifest = folder / "synth.json"
    if not manifest.exists() or json.loads(manifest.read_text())["patients"] != patients:
        started = time.perf_counter()
        synthesize(folder, patients, seed=seed)
        print(f"synthesized {patients} patients in {time.perf_counter() - started:.0f} s -> {folder}", flush=True)
    return folder


def cohort(export: Path, out: Path, evaluator: str, engine: str, workers: int) -> dict[str, Any]:
    command = ["call0603", "cohort", str(export), "--out", str(out), "--as-of", RANDOM_HORIZON.isoformat(), "--quiet",
               "--no-report", "--fresh", "--evaluator", evaluator, "--engine", engine, "--workers", str(workers)]
    return measured(command, env={**os.environ, "CI": "1"})


def _split_child(export: Path, out: Path, evaluator: str) -> None:
    """In a child process: one in-process worker over the export, printing its CPU seconds as JSON (start-up to the
    compiled library, inside the engine's `evaluate`, and the whole process)."""
    from call0603.cohort.evaluator import load_evaluator
    from call0603.cohort.job import Job
    from call0603.cohort.run import run_cohort

    def own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    engine = getattr(load_evaluator(evaluator).context, "engine", None)
    startup, inside = own_cpu(), [0.0]
    if engine is not None:
        evaluate = type(engine).evaluate

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return evaluate(self, *args, **kwargs)
            finally:
                inside[0] += time.process_time() - started

        type(engine).evaluate = timed
    run_cohort(Job(export=export, out=out, as_of=RANDOM_HORIZON, evaluator=evaluator, workers=1), fresh=True, report=False)
    print(json.dumps({"startup": startup, "engine": inside[0], "total": own_cpu()}))


def cpu_split(export: Path, out: Path, evaluator: str) -> dict[str, Any]:
    """The CPU split of a one-worker run over the export (see the module's docstring), with the machine's conditions."""
    result = measured([sys.executable, __file__, "--split-child", str(export), str(out), "--evaluator", evaluator])
    if "error" in result:
        return result
    return result | json.loads(result["stdout"].strip().splitlines()[-1])


def _print_split(splits: list[tuple[int, dict[str, Any]]]) -> None:
    print(f"\nCPU split, one worker in one process: {'patients':>8} {'total s':>8} {'start-up s':>10} {'engine s':>9} "
          f"{'pipeline s':>10} {'engine ms/pt':>12} {'pipeline ms/pt':>14} {'per CPU s':>9}  conditions")
    for patients, r in splits:
        if "error" in r:
            print(f"{'':<37}{patients:>8}  not run: {r['error']}")
            continue
        pipeline = r["total"] - r["startup"] - r["engine"]
        print(f"{'':<37}{patients:>8} {r['total']:>8.1f} {r['startup']:>10.2f} {r['engine']:>9.1f} ({100 * r['engine'] / r['total']:.0f}%)"
              f" {pipeline:>7.1f} ({100 * pipeline / r['total']:.0f}%) {1000 * r['engine'] / patients:>12.2f} "
              f"{1000 * pipeline / patients:>14.2f} {patients / r['total']:>9.0f}  {r['conditions']}")


def package_elm() -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | str:
    """The package's ELM (its Libraries in `library/` and the FHIRHelpers ELM the build emits) and ValueSets, or why
    cql-execution cannot run."""
    libraries = []
    for path in sorted(LIBRARY.glob("Library-*.json")):
        if path.name.endswith(".elm.json"):
            continue
        doc = json.loads(path.read_text())
        for content in doc.get("content") or []:
            if content.get("contentType") == "application/elm+json" and content.get("data"):
                libraries.append(json.loads(base64.b64decode(content["data"])))
    fhirhelpers = REPO / FHIRHELPERS_ELM
    if not libraries or not fhirhelpers.exists():
        return f"no ELM in {LIBRARY} or no {FHIRHELPERS_ELM} (run `call0603 build`)"
    value_sets = [json.loads(p.read_text()) for p in sorted(LIBRARY.glob("ValueSet-*.json"))]
    return [json.loads(fhirhelpers.read_text()), *libraries], value_sets


def _bundles(export: Path, folder: Path, limit: int) -> Path:
    """The export's first `limit` patients (by id) as one Bundle per line, as cql-execution reads them."""
    work = folder / "buckets"
    work.mkdir(parents=True, exist_ok=True)
    files = input_files(export)
    buckets = bucket_count(files)
    for piece in slices(files):
        split_slice(piece, str(work), buckets)
    groups = sorted((pid, lines) for bucket in range(buckets) for pid, lines in bucket_groups(work, bucket))[:limit]
    path = folder / "bundles.ndjson"
    with path.open("wb") as out:
        for _, lines in groups:
            entries = [{"resource": orjson.loads(line)} for line in lines]
            out.write(orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}) + b"\n")
    return path


def cql_execution(export: Path, folder: Path, elm: tuple[list[dict[str, Any]], list[dict[str, Any]]], limit: int) -> dict[str, Any]:
    """The first `limit` patients through cql-execution (every Patient-context define of the main library)."""
    libraries, value_sets = elm
    main = yaml.safe_load((GUIDELINE / "package.yaml").read_text())["library"]["name"]
    day = RANDOM_HORIZON
    request = {"libraries": libraries, "main": main, "ndjson": str(_bundles(export, folder, limit)), "emit": "none", "chunk": 100,
               "parameters": {"asOf": {"Date": [day.year, day.month, day.day]}}, "valueSets": value_sets,
               "executionDateTime": f"{day.isoformat()}T12:00:00.000+00:00"}
    (folder / "request.json").write_text(json.dumps(request))
    out = folder / "node-out.json"
    with (folder / "request.json").open("rb") as stdin:
        result = measured(["node", str(TOOLS / "cql-execution.mjs"), str(out)], stdin=stdin)
    return result if "error" in result else result | {"patients": limit}


def _progress(row: tuple[str, int, dict[str, Any]]) -> None:
    engine, patients, r = row
    if "wall" in r and "error" not in r:
        print(f"  {engine:<18} {patients:>7}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, {r['peakRss'] / 2**20:.0f} MB, "
              f"{r['peakWorker'] / 2**20:.0f} MB per worker; "
              f"{r['conditions']}", flush=True)
    else:
        print(f"  {engine:<18} {patients:>7}: {r.get('skipped') or r.get('error')}", flush=True)


def _agreement(patients: int, outs: dict[tuple[str, int], Path], other: tuple[str, int]) -> str:
    """Whether a Dask run wrote the same bytes as a local run of the same compiled library (the library may be rebuilt
    meanwhile)."""
    def library(folder: Path) -> str:
        return json.loads((folder / "summary.json").read_text())["libraryHash"]

    dask = outs[other]
    same_library = [out for key, out in outs.items() if key[0] == "local" and library(out) == library(dask)]
    if not same_library:
        return f"{patients}: local and {dask.name} not comparable: the library changed between the runs"
    agree = all((same_library[0] / n).read_bytes() == (dask / n).read_bytes() for n in ("assessments.ndjson", "refused.ndjson"))
    return f"{patients}: local ({same_library[0].name}) and {dask.name} outputs identical: {'yes' if agree else 'NO'}"


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "call0603-cohort-bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--evaluator", default=EVALUATOR if importlib.util.find_spec(EVALUATOR) else PLUMBING)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--runs", nargs="+", default=["local:1", "local:2", "dask:2"],
                        help="engine:workers runs to measure, in this order (default: local:1 local:2 dask:2)")
    parser.add_argument("--skip-node", action="store_true", help="no cql-execution row")
    parser.add_argument("--node-patients", type=int, default=500,
                        help="patients sent to cql-execution (its rate is measured on this sample: it runs a few patients/s)")
    parser.add_argument("--split", action="store_true", help="also the CPU split of a one-worker run: start-up, engine, pipeline")
    parser.add_argument("--split-child", nargs=2, type=Path, metavar=("EXPORT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.split_child:
        _split_child(*args.split_child, args.evaluator)
        return
    args.data.mkdir(parents=True, exist_ok=True)
    elm = package_elm()
    rows: list[tuple[str, int, dict[str, Any]]] = []
    splits: list[tuple[int, dict[str, Any]]] = []
    notes = []
    for patients in args.patients:
        export = population(args.data, patients, args.seed)
        outs = {}
        runs = [(e, int(w)) for e, w in (r.split(":") for r in args.runs) if not (args.skip_dask and e == "dask")]
        for engine, workers in runs:
            outs[engine, workers] = args.data / f"out-{patients}-{engine}-{workers}"
            result = cohort(export, outs[engine, workers], args.evaluator, engine, workers)
            rows.append((f"{engine}, {workers} worker{'s' if workers > 1 else ''}", patients, result))
            _progress(rows[-1])
        if any(key[0] == "local" for key in outs):
            notes.extend(_agreement(patients, outs, key) for key in outs if key[0] != "local")
        if args.split:
            splits.append((patients, cpu_split(export, args.data / f"out-{patients}-split", args.evaluator)))
            print(f"  CPU split          {patients:>7}: {splits[-1][1].get('error') or splits[-1][1]['conditions']}", flush=True)
        if args.skip_node:
            pass
        elif isinstance(elm, str):
            rows.append(("cql-execution", patients, {"skipped": elm}))
        else:
            sample = min(patients, args.node_patients)
            try:
                rows.append(("cql-execution", patients, cql_execution(export, args.data / f"node-{patients}", elm, sample)))
            except Exception as failure:  # the node row must not lose the table
                rows.append(("cql-execution", patients, {"error": f"{type(failure).__name__}: {failure}"}))
            _progress(rows[-1])
    print(f"\nper-patient function: {args.evaluator}" + (" (the cohort machinery alone: no clinical rule)" if args.evaluator == PLUMBING else ""))
    print(f"{'engine':<18} {'patients':>8} {'wall s':>8} {'patients/s':>11} {'CPU s':>8} {'per CPU s':>10} "
          f"{'CPU ms/patient':>14} {'peak RSS MB':>12} {'per worker':>10} {'vs cql-execution (CPU)':>23}  conditions")
    ok = [(e, n, r) for e, n, r in rows if "wall" in r and "error" not in r]
    node_rate = {n: r["patients"] / r["cpu"] for e, n, r in ok if e == "cql-execution"}
    for engine, patients, result in rows:
        if (engine, patients, result) not in ok:
            print(f"{engine:<18} {patients:>8}  not run: {result.get('skipped') or result.get('error')}")
            continue
        count = result.get("patients", patients)
        comparable = patients in node_rate and engine != "cql-execution" and args.evaluator != PLUMBING
        ratio = f"{count / result['cpu'] / node_rate[patients]:.1f}x" if comparable else "-"
        print(f"{engine:<18} {count:>8} {result['wall']:>8.1f} {count / result['wall']:>11.0f} {result['cpu']:>8.1f} "
              f"{count / result['cpu']:>10.1f} {1000 * result['cpu'] / count:>14.2f} {result['peakRss'] / 2**20:>12.0f} {result['peakWorker'] / 2**20:>10.0f} "
              f"{ratio:>23}  {result['conditions']}")
    for note in notes:
        print(note)
    if splits:
        _print_split(splits)
    if node_rate:
        print(f"cql-execution runs the first {args.node_patients} patients of each population (with start-up and library"
              " loading); the ratio compares patients per CPU second, which other work on the machine does not change.")


if __name__ == "__main__":
    main()
