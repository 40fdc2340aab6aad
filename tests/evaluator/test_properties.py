"""Bad input, property-based: mutate valid kit bundles (drop resources, change statuses, units, values, dates to
garbage, duplicate ids, the Patient's birth and death dates) and check that nothing but a refusal escapes, and that every decision that changes is
explained: the mutated resource is ignored with a reason, or is among that decision's (or a decision it rests
on) traced inputs, before or after, or the decision went to indeterminate / pending / missing with a reason."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit_support
from call0603.evaluator.assess import evaluate_patient, report_from
from call0603.evaluator.explain import trace
from call0603.evaluator.inputs import InputRefused, select_patient
from call0603.testkit.write import KIT, read_case

#: Valid bundles with many decided values to flip.
SEEDS = ("baseline-rer", "m3-override-day14", "day14-marrow-pending", "cr2-boundary-met", "cns-positive",
         "rer-m2-then-m1")
#: Values that say "not decided", each with its reason.
UNDECIDED = {"indeterminate", "pending", "missing", None}
#: Decisions that rest on others (a change there explains a change here).
RESTS_ON = {
    "response": ("cr2", "marrow.day7", "marrow.day14", "marrow.day28"),
    "cr2": ("marrow.day28",),
    "idarubicin.day14": ("marrow.day14",),
    "idarubicin.day21": ("marrow.day14",),
    "marrow.day14": ("marrow.day7",),
    "riskGroup": ("cytogeneticGroup",),
}
STATUSES = ["final", "amended", "corrected", "preliminary", "registered", "cancelled", "entered-in-error", "unknown",
            "", None, 7]
UNITS = ["/uL", "10*3/uL", "10*9/L", "10*6/L", "/mm3", "%", "g/dL", "K/uL", "mg", "", "m2"]
VALUES = [0, -1, 499, 500, 1e-9, 1e12, 25, 25.1, 4.9, "12", None, True]
DATES = ["not-a-date", "2024-13-45", "", "2024", "2024-03", "2024-03-18T25:61:00Z", "2023-01-01", "2024-03-20",
         "2024-03-31T23:00:00-10:00", "2099-01-01", 12345, None]


def _seed(name: str) -> tuple[dict[str, Any], Any]:
    case = read_case(KIT / name)
    return json.loads(case.bundle.read_text(encoding="utf-8")), case


SEED_BUNDLES = {name: _seed(name) for name in SEEDS}


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, list[tuple[str, int, Any]]]:
    """A seed bundle and a few mutations, each (kind, entry index past the Patient, argument)."""
    seed = draw(st.sampled_from(SEEDS))
    count = len(SEED_BUNDLES[seed][0]["entry"]) - 1
    one = st.tuples(
        st.sampled_from(["drop", "status", "unit", "value", "date", "duplicate-id", "birth", "death"]),
        st.integers(min_value=1, max_value=count),
        st.one_of(st.sampled_from(STATUSES + UNITS + DATES), st.sampled_from(VALUES), st.integers(1, count)),
    )
    return seed, draw(st.lists(one, min_size=1, max_size=3))


def _ref(resource: dict[str, Any]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def mutate(bundle: dict[str, Any], steps: list[tuple[str, int, Any]]) -> tuple[dict[str, Any], set[str]]:
    """The mutated bundle and the references of every resource touched (before and after an id change).

    `birth` and `death` set the Patient's birthDate or deceasedDateTime; the other kinds touch the entry at the index.
    """
    bundle = copy.deepcopy(bundle)
    entries = bundle["entry"]
    touched: set[str] = set()
    for kind, index, arg in steps:
        if index >= len(entries):
            continue
        if kind in ("birth", "death"):
            index = 0
        resource = entries[index]["resource"]
        touched.add(_ref(resource))
        if kind == "birth":
            resource["birthDate"] = arg
        elif kind == "death":
            resource["deceasedDateTime"] = arg
        elif kind == "drop":
            entries.pop(index)
        elif kind == "status":
            resource["status"] = arg
        elif kind == "unit" and isinstance(resource.get("valueQuantity"), dict):
            resource["valueQuantity"].update(unit=arg, code=arg)
        elif kind == "value" and isinstance(resource.get("valueQuantity"), dict):
            resource["valueQuantity"]["value"] = arg
        elif kind == "date":
            for key in ("effectiveDateTime", "onsetDateTime"):
                if key in resource:
                    resource[key] = arg
        elif kind == "duplicate-id" and isinstance(arg, int) and 0 < arg < len(entries):
            resource["id"] = entries[arg]["resource"].get("id")
            touched.add(_ref(resource))
    return bundle, touched


def decisions(report: dict[str, Any]) -> dict[str, Any]:
    """Every decided value of a report by field (`idarubicin.day14`, `toxicity.anemia`)."""
    out: dict[str, Any] = {}
    for key, value in report.items():
        if isinstance(value, dict) and "value" in value:
            out[key] = value["value"]
        elif key in ("marrow", "idarubicin"):
            out.update({f"{key}.{day}": d.get("value") for day, d in value.items()})
        elif key == "toxicity":
            out.update({f"toxicity.{name}": (d or {}).get("grade") for name, d in value.items()})
    return out


def _inputs(decision_trace: dict[str, Any]) -> dict[str, set[str]]:
    return {d["decision"]: {i["resource"] for i in d["inputs"]} for d in decision_trace["decisions"]}


def _reason(report: dict[str, Any], field: str) -> Any:
    node: Any = report
    for key in field.split("."):
        node = (node or {}).get(key)
    return node.get("reason") or node.get("reasons") if isinstance(node, dict) else None


def evaluate(bundle: dict[str, Any], case: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    context = kit_support.context()
    resources = [e["resource"] for e in bundle["entry"]]
    patient = select_patient(resources, case.subject, "mutated.json")
    evaluation = evaluate_patient(patient, start=case.start, as_of=case.as_of, context=context)
    return report_from(evaluation, context), trace(evaluation, context)


BASELINES = {name: evaluate(bundle, case) for name, (bundle, case) in SEED_BUNDLES.items()}


def unexplained(before: tuple[dict, dict], after: tuple[dict, dict], touched: set[str]) -> list[str]:
    """The decisions that changed with no explanation in the mutated report or either trace."""
    (old, old_trace), (new, new_trace) = before, after
    ignored = {i["resource"] for i in new["ignored"]}
    inputs_before, inputs_after = _inputs(old_trace), _inputs(new_trace)
    old_values, new_values = decisions(old), decisions(new)
    changed = {f for f in old_values if old_values[f] != new_values.get(f)}

    def explained(field: str, seen: frozenset[str] = frozenset()) -> bool:
        if touched & ignored:
            return True
        traced = field.split(".")[0] if field.startswith("toxicity.") else field
        if touched & (inputs_before.get(traced, set()) | inputs_after.get(traced, set())):
            return True
        if new_values.get(field) in UNDECIDED and (_reason(new, field) or field.startswith("toxicity.")):
            return True
        return any(dep in changed and dep not in seen and explained(dep, seen | {field})
                   for dep in RESTS_ON.get(field, ()))

    return [f"{f}: {old_values[f]!r} -> {new_values.get(f)!r}" for f in sorted(changed) if not explained(f)]


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutations())
def test_mutated_bundles_never_crash_and_every_changed_decision_is_explained(
        drawn: tuple[str, list[tuple[str, int, Any]]]) -> None:
    seed, steps = drawn
    bundle, case = SEED_BUNDLES[seed]
    mutated, touched = mutate(bundle, steps)
    try:
        after = evaluate(mutated, case)
    except InputRefused as refused:
        assert refused.reason
        return
    assert unexplained(BASELINES[seed], after, touched) == [], (seed, steps)


def test_the_check_catches_an_unexplained_flip() -> None:
    report, decision_trace = BASELINES["baseline-rer"]
    flipped = copy.deepcopy(report)
    flipped["idarubicin"]["day14"]["value"] = "withhold"
    assert unexplained((report, decision_trace), (flipped, decision_trace), {"Observation/height"}) == [
        "idarubicin.day14: 'give' -> 'withhold'"]
    assert unexplained((report, decision_trace), (flipped, decision_trace), {"Observation/anc-day14"}) == []
