"""Running the kit: each case through the evaluator (report and `$apply`) or through cql-execution, then compared.

A case passes in the Python evaluator when its report and CarePlan equal the expected files and its hand-written
`expect` values (and the CarePlan actions they imply) hold. A case passes in cql-execution when the same
hand-written values hold on cql-execution's define values and every define of the main library agrees with the
built-in engine, save a divergence listed in `divergences.py` with its reason.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from decimal import Decimal
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from typing import Any, Iterable, Mapping

import msgspec

from .. import paths
from ..paths import FHIRHELPERS_ELM
from ..cql import PatientData
from ..cql.crossengine import Mismatch, compare, patient_defines, run_cql_execution, tagged, unused
from ..evaluator.assess import EXTRAS, as_read, assess_patient, parameters, request_time
from ..evaluator.careplan import careplan_for
from ..evaluator.context import ELM_TYPE, EvaluationContext
from ..evaluator.inputs import InputRefused, load_patient
from .divergences import KNOWN_DIVERGENCES, accounted_for
from .write import ASSESSMENT, CAREPLAN, Case

PYTHON, CQL_EXECUTION = "python", "cql-execution"
#: cql-execution runs one node process per start/as-of pair; this many at once (the CI has 2 cores).
NODE_PROCESSES = 2

#: The CarePlan action each CNS status selects (the plan's intrathecal branches).
INTRATHECAL = {"positive": "it-triple", "negative": "it-cytarabine-hydrocortisone",
               "indeterminate": "intrathecal-cns-indeterminate"}


@dataclass
class Outcome:
    """One case in one engine: what failed (empty when it passed), and what it produced."""

    case: str
    engine: str
    failures: list[str] = field(default_factory=list)
    assessment: Any = None
    careplan: Any = None

    @property
    def passed(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def resolve(document: Any, path: str) -> Any:
    """The value at a dotted report path; a decision object stands for its `value`."""
    node = document
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise KeyError(path)
        node = node[key]
    return node["value"] if isinstance(node, dict) and "value" in node else node


def matches(expected: Any, actual: Any) -> bool:
    """A hand-written value equals the actual one (a decimal number compared at its written precision)."""
    if isinstance(expected, float) and isinstance(actual, (int, float, Decimal)) and not isinstance(actual, bool):
        places = -Decimal(repr(expected)).as_tuple().exponent
        return Decimal(str(actual)).quantize(Decimal(1).scaleb(-places)) == Decimal(repr(expected))
    if isinstance(expected, int) and not isinstance(expected, bool) and isinstance(actual, Decimal):
        return actual == expected
    if expected is None:
        return actual is None
    return type(expected) is type(actual) and expected == actual


def check_expect(case: Case, document: Any, where: str = "report") -> list[str]:
    """Every hand-written `expect` value that the document does not hold."""
    failures = []
    for path, expected in case.expect.items():
        try:
            actual = resolve(document, path)
        except KeyError:
            failures.append(f"{where}: no {path}")
            continue
        if not matches(expected, actual):
            failures.append(f"{where}: {path} is {actual!r}, the spec demands {expected!r}")
    return failures


def check_ignored(case: Case, report: Mapping[str, Any]) -> list[str]:
    """Every resource the case says must be ignored and is not listed in the report's `ignored`."""
    listed = {i["resource"] for i in report.get("ignored") or []}
    return [f"report: {ref} is not in ignored" for ref in case.ignored if ref not in listed]


def action_ids(careplan: Mapping[str, Any]) -> set[str]:
    """The ids of every action of the CarePlan's RequestGroup."""
    found: set[str] = set()

    def walk(actions: Iterable[Mapping[str, Any]]) -> None:
        for action in actions:
            found.add(action.get("id", ""))
            walk(action.get("action") or [])

    for resource in careplan.get("contained") or []:
        if resource.get("resourceType") == "RequestGroup":
            walk(resource.get("action") or [])
    return found


def implied_actions(case: Case) -> list[str]:
    """The CarePlan actions the hand-written decisions imply (an idarubicin choice, an intrathecal branch)."""
    wanted = []
    for path, value in case.expect.items():
        if path.startswith("idarubicin.day") and path.count(".") == 1:
            d = path.removeprefix("idarubicin.day")
            wanted.append(f"idarubicin-day-{d}-{value if value in ('give', 'withhold') else 'undecided'}")
        elif path == "cnsStatus":
            wanted.append(INTRATHECAL[value])
    return wanted


def check_careplan(case: Case, careplan: Mapping[str, Any]) -> list[str]:
    """Every action the hand-written decisions imply that the CarePlan lacks."""
    present = action_ids(careplan)
    return [f"careplan: no action {a}" for a in implied_actions(case) if a not in present]


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """The paths where two JSON documents differ (first differences only, depth first)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            out += differences(expected.get(key), actual.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (a, b) in enumerate(zip(expected, actual)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if expected == actual else [path or "(document)"]


def _against_file(case: Case, file: str, actual: Any) -> list[str]:
    expected = case.expected(file)
    if expected is None:
        return [f"{file} is missing (run `call0603 test-kit --update`)"]
    diff = differences(expected, json.loads(json.dumps(actual)))
    return [f"{file}: differs at {', '.join(diff[:3])}{' …' if len(diff) > 3 else ''}"] if diff else []


def run_python(cases: Iterable[Case], context: EvaluationContext) -> list[Outcome]:
    """Each case through the evaluator: its report and CarePlan against the expected files and its `expect`."""
    outcomes = []
    for case in cases:
        outcome = Outcome(case.name, PYTHON)
        try:
            patient = load_patient(case.bundle, case.subject)
            outcome.assessment = assess_patient(patient, start=case.start, as_of=case.as_of, context=context)
            outcome.careplan = careplan_for(patient, start=case.start, as_of=case.as_of, context=context)
        except InputRefused as refused:
            outcome.failures.append(f"refused: {refused.reason}")
            outcomes.append(outcome)
            continue
        outcome.failures += check_expect(case, outcome.assessment) + check_ignored(case, outcome.assessment)
        outcome.failures += check_careplan(case, outcome.careplan)
        outcome.failures += _against_file(case, ASSESSMENT, outcome.assessment)
        outcome.failures += _against_file(case, CAREPLAN, outcome.careplan)
        outcomes.append(outcome)
    return outcomes


def package_elm(context: EvaluationContext) -> list[dict[str, Any]]:
    """The package's ELM as shipped (base64 in library/Library-*.json) with FHIRHelpers, as cql-execution loads it."""
    out = [json.loads((paths.REPO / FHIRHELPERS_ELM).read_text(encoding="utf-8"))]
    for file in sorted((paths.REPO / "library").glob("Library-*.json")):
        if file.name.endswith(".elm.json"):
            continue
        library = json.loads(file.read_text(encoding="utf-8"))
        for content in library.get("content") or []:
            if content.get("contentType") == ELM_TYPE and "data" in content:
                out.append(json.loads(base64.b64decode(content["data"])))
    return out


def plain(value: Any) -> Any:
    """A tagged CQL value (crossengine's form) as the report's plain JSON shape, numbers as Decimals."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "Tuple" in value:
        return {k: plain(v) for k, v in value["Tuple"].items()}
    for tag in ("Integer", "Long", "Decimal", "Number"):
        if tag in value:
            return Decimal(str(value[tag]))
    if "Quantity" in value:
        return {"value": Decimal(str(value["Quantity"])), "unit": value["unit"]}
    if "Date" in value:
        return "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(value["Date"]))
    if "FHIR" in value:
        return value["FHIR"]
    return value


def define_document(results: Mapping[str, Any], report_defines: Mapping[str, str]) -> dict[str, Any]:
    """Tagged define values arranged by report field (`idarubicin.day14`, `bsa`…) so `expect` paths resolve."""
    doc: dict[str, Any] = {}
    for field_path, define in {**report_defines, **EXTRAS}.items():
        node = doc
        *groups, last = field_path.split(".")
        for g in groups:
            node = node.setdefault(g, {})
        node[last] = plain(results.get(define))
    return doc


_NUMBERS = msgspec.json.Encoder(decimal_format="number")


def prepared_bundle(case: Case, context: EvaluationContext) -> dict[str, Any]:
    """The case's patient as the CQL sees it: its resources after the reading layer (flags, versions, order), as a
    Bundle, so every engine runs the rules on the same input."""
    patient = as_read(load_patient(case.bundle, case.subject), context)
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in patient.resources]}


def _as_json_numbers(bundle: dict[str, Any]) -> dict[str, Any]:
    """A Bundle with its exact decimals as JSON numbers, for a JavaScript engine (which reads them as floats)."""
    return json.loads(_NUMBERS.encode(bundle))


def _python_tagged(case: Case, context: EvaluationContext, names: list[str]) -> dict[str, Any]:
    bundle = prepared_bundle(case, context)
    results = context.engine.evaluate(context.library, data=PatientData.from_bundle(bundle),
                                      parameters=parameters(case.start, case.as_of), now=request_time(case.as_of),
                                      terminology=context.terminology, expressions=names)
    return {"results": {k: tagged(v) for k, v in results.items()}}


def _tagged_parameters(case: Case) -> dict[str, Any]:
    def date(d: Any) -> Any:
        return None if d is None else {"Date": [d.year, d.month, d.day]}

    return {"start": date(case.start), "asOf": date(case.as_of)}


def run_cross_engine(cases: list[Case], context: EvaluationContext) -> tuple[list[Outcome], list[str]]:
    """Each case through cql-execution (one node run per start/as-of pair, two at a time): `expect` values and
    define agreement.

    Returns the outcomes and the known divergences that no longer happen (the list must not rot).
    """
    libraries = package_elm(context)
    main = next(e for e in libraries if e["library"]["identifier"]["id"] == context.library)
    names = patient_defines(main)
    theirs = _cql_execution_results(cases, libraries, context.library, context)
    outcomes, results = [], []
    for case in cases:
        pid = case.subject.removeprefix("Patient/")
        ours = {pid: _python_tagged(case, context, names)}
        other = {pid: theirs.get(pid, {"error": "no answer from cql-execution"})}
        result = compare(context.library, ours, other, KNOWN_DIVERGENCES)
        results.append(result)
        outcomes.append(Outcome(case.name, CQL_EXECUTION, _cross_failures(case, other[pid], result.mismatches,
                                                                          context.report_defines)))
    stale = [f"{d.define} / {d.patient}: {d.reason}" for d in unused(KNOWN_DIVERGENCES, results)]
    return outcomes, stale


def _cql_execution_results(cases: list[Case], libraries: list[dict[str, Any]], main: str,
                           context: EvaluationContext) -> dict[str, Any]:
    """cql-execution's tagged results per patient id, one node process per start/as-of pair, two at a time."""
    value_sets = [json.loads(f.read_text(encoding="utf-8"))
                  for f in sorted((paths.REPO / "library").glob("ValueSet-*.json"))]
    key = lambda c: (str(c.start), str(c.as_of))  # noqa: E731
    batches = [list(group) for _, group in groupby(sorted(cases, key=key), key=key)]

    def run_batch(batch: list[Case]) -> dict[str, Any]:
        return run_cql_execution(
            libraries, main, [_as_json_numbers(prepared_bundle(c, context)) for c in batch],
            parameters=_tagged_parameters(batch[0]), now=str(request_time(batch[0].as_of)), value_sets=value_sets)

    theirs: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=NODE_PROCESSES) as pool:
        for answer in pool.map(run_batch, batches):
            theirs.update(answer)
    return theirs


def _cross_failures(case: Case, other: Mapping[str, Any], mismatches: Iterable[Mismatch],
                    report_defines: Mapping[str, str]) -> list[str]:
    """A case's failures on cql-execution: its `expect` values there, then every define that differs unexplained."""
    failures = []
    if "error" in other:
        failures.append(f"cql-execution: {other['error']}")
    else:
        failures += check_expect(case, define_document(other["results"], report_defines), CQL_EXECUTION)
    for m in mismatches:
        if m.known is None:
            failures.append(f"define {m.define!r} differs: built-in {m.ours!r}, cql-execution {m.theirs!r}")
        elif not accounted_for(m):
            failures.append(f"define {m.define!r} differs beyond its listed departure: built-in {m.ours!r}, "
                            f"cql-execution {m.theirs!r}")
    return failures

