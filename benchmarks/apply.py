"""Measures `$apply` against `assess` on the same synthetic patients: patients per second of CPU time for each, and
their ratio, with the package's evaluation context built once (as a cohort run does).

Both run the package's committed libraries over `call0603 synth` patients (missing and unusable data included) as of
2025-12-31; a patient whose day 0 is unknown is refused by both and counted by neither. "apply" is the whole
`careplan_for` (its defines evaluated, then the CarePlan built); "plan walk" is the CarePlan building alone, the
part `$apply` adds to the evaluation. Each figure is the best of `--repeat` passes over the same patients.

Run: `python3 benchmarks/apply.py [--patients 300] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import package_bundles  # noqa: E402

from call0603.evaluator.apply import apply_plan, expressions_of  # noqa: E402
from call0603.evaluator.assess import DAY_0, assess_patient, evaluate_patient  # noqa: E402
from call0603.evaluator.careplan import careplan_for  # noqa: E402
from call0603.evaluator.context import EvaluationContext, load_context  # noqa: E402
from call0603.evaluator.expressions import ExpressionEvaluator, cql_identifiers  # noqa: E402
from call0603.evaluator.inputs import InputRefused, PatientInput  # noqa: E402

AS_OF = _dt.date(2025, 12, 31)


def patients(count: int) -> list[PatientInput]:
    """The synthetic patients as the evaluator reads them (the Patient first)."""
    out = []
    for bundle in package_bundles(count):
        resources = [e["resource"] for e in bundle["entry"]]
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        rest = tuple(r for r in resources if r is not patient)
        out.append(PatientInput("synthetic", patient, (patient, *rest)))
    return out


def usable(context: EvaluationContext, population: list[PatientInput]) -> list[PatientInput]:
    """The patients whose day 0 is known (the others are refused by assess and apply alike)."""
    kept = []
    for p in population:
        try:
            evaluate_patient(p, start=None, as_of=AS_OF, context=context)
        except InputRefused:
            continue
        kept.append(p)
    return kept


def cpu_seconds(work: Callable[[PatientInput], Any], population: list[PatientInput], repeat: int) -> float:
    """The best CPU time of `repeat` passes of `work` over every patient."""
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        for p in population:
            work(p)
        best = min(best, time.process_time() - began)
    return best


def main() -> None:
    """Print patients per CPU second of assess, apply and the plan walk alone, and apply/assess."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    context = load_context()
    population = usable(context, patients(args.patients))
    names = cql_identifiers(expressions_of(context.plan, context.activities))
    evaluations = {id(p): evaluate_patient(p, start=None, as_of=AS_OF, context=context, expressions=names)
                   for p in population}

    def walk(p: PatientInput) -> Any:
        results = evaluations[id(p)].results
        evaluate = ExpressionEvaluator(results, context.library_canonicals, p.patient)
        day0 = _dt.date.fromisoformat(str(results[DAY_0]))
        return apply_plan(context.plan, context.activities, evaluate, subject=p.subject, start=day0)

    n = len(population)
    assess = cpu_seconds(lambda p: assess_patient(p, start=None, as_of=AS_OF, context=context), population, args.repeat)
    apply = cpu_seconds(lambda p: careplan_for(p, start=None, as_of=AS_OF, context=context), population, args.repeat)
    plan_walk = cpu_seconds(walk, population, args.repeat)
    print(f"patients: {n} of {args.patients} (day 0 known), best of {args.repeat} passes, CPU time")
    print(f"{'work':<10} {'CPU s':>8} {'patients/s':>11}")
    for label, seconds in (("assess", assess), ("apply", apply), ("plan walk", plan_walk)):
        print(f"{label:<10} {seconds:>8.3f} {n / seconds:>11.1f}")
    print(f"apply/assess throughput: {assess / apply:.2f}")


if __name__ == "__main__":
    main()
