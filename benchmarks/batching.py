"""What evaluating patients in batches, rather than one by one, could give the package library: three figures on the
same synthetic patients as `engine.py --library package`, CPU time, best of three passes.

- patient by patient: every Patient-context define for one patient, then the next (what the evaluator does);
- define by define (a prototype of batch evaluation): each define for every patient of the batch before the next
  define, each patient keeping its own evaluation context, so the values are the same; it shows what running one
  define's code across many patients at once gains from locality alone;
- records alone: the same patients with only their Patient resource, which bounds the part of a patient's cost that
  does not grow with the patient's records (the most that sharing work across a batch could remove, since each
  record still has to be read, checked and compared on its own).

Run: `python3 benchmarks/batching.py [--patients 300]`.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from conditions import Conditions  # noqa: E402
from engine import package_workload  # noqa: E402

from call0603.cql import Engine, PatientData, Terminology, crossengine  # noqa: E402
from call0603.cql.datatypes.datetime import DateTime  # noqa: E402


def _best(run: Callable[[], Any], passes: int = 3) -> float:
    """The least CPU time of `passes` runs (after one warm-up run)."""
    run()
    times = []
    for _ in range(passes):
        begin = time.process_time()
        run()
        times.append(time.process_time() - begin)
    return min(times)


def main() -> None:
    """Print the three figures and the machine's conditions."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=300, help="patients in the batch")
    args = parser.parse_args()
    workload = package_workload()
    engine = Engine(workload.libraries)
    library = engine.library(workload.main)
    names = workload.defines()
    terminology = Terminology.from_resources(workload.value_sets)
    parameters = {k: crossengine.untagged(v) for k, v in workload.parameters.items()}
    now = DateTime.parse(workload.now)
    bundles = list(workload.bundles(args.patients))
    alone = [{**b, "entry": [e for e in b["entry"] if e["resource"]["resourceType"] == "Patient"]} for b in bundles]
    records = sum(len(b["entry"]) - 1 for b in bundles)
    gc.freeze()

    def one_by_one(batch: list[dict[str, Any]]) -> Callable[[], None]:
        def run() -> None:
            for bundle in batch:
                engine.evaluate(workload.main, data=PatientData.from_bundle(bundle), parameters=parameters, now=now,
                                expressions=names, terminology=terminology)
        return run

    def define_by_define() -> None:
        contexts = [engine.context(library, data=PatientData.from_bundle(b), parameters=parameters, now=now,
                                   terminology=terminology) for b in bundles]
        for name in names:
            definition = library.expressions[name]
            for ctx in contexts:
                definition.evaluate(ctx)

    conditions = Conditions.now()
    full = _best(one_by_one(bundles))
    batched = _best(define_by_define)
    fixed = _best(one_by_one(alone))
    n = len(bundles)
    print(f"{n} patients, {records / n:.1f} records each, {len(names)} defines; CPU ms per patient, best of 3")
    print(f"{'patient by patient':<36} {1000 * full / n:8.3f}")
    print(f"{'define by define (batch prototype)':<36} {1000 * batched / n:8.3f}   {full / batched:.2f}x")
    print(f"{'Patient resource alone':<36} {1000 * fixed / n:8.3f}   {100 * fixed / full:.0f}% of a patient's cost")
    print(f"per record: {1000 * (full - fixed) / records:.3f} ms")
    print(conditions.line())


if __name__ == "__main__":
    main()
