"""Cross-engine check: every define of every fixture library, for every fixture patient, equals cql-execution's
value, except the known divergences of cql-execution from the CQL specification, each listed by name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from call0603.cql import crossengine
from call0603.cql.crossengine import (
    ANY,
    KNOWN_DIVERGENCES,
    CrossResult,
    KnownDivergence,
    compare,
    patient_defines,
    same,
)
from call0603.translator import PACKAGE_OPTIONS, translate

FIXTURES = Path(__file__).parent / "fixtures" / "crossengine"


#: Where this engine (not cql-execution) is still wrong on the fixtures. Each must still happen (the test fails
#: once one is fixed, so it is removed); the list only shrinks.
ENGINE_GAPS: tuple[KnownDivergence, ...] = ()


@dataclass(frozen=True)
class Case:
    """One fixture library with its parameters, over every fixture bundle."""

    name: str
    parameters: dict[str, Any]


def _manifest() -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8"))


def _bundles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "bundles").glob("*.json"))]


@dataclass(frozen=True)
class Run:
    """One library compared over every bundle, with how many definitions and patients it has."""

    result: CrossResult
    defines: int
    patients: int


def run_cases() -> list[Run]:
    """Both engines over every case of the fixture manifest; this engine also on the ELM without result types
    (the CQL IG's recommended translator options), against cql-execution's values on the typed ELM."""
    manifest = _manifest()
    cases = [Case(name, spec.get("parameters") or {}) for name, spec in manifest["libraries"].items()]
    sources = {"FHIRHelpers": crossengine.fhirhelpers_source()}
    sources.update({c.name: (FIXTURES / f"{c.name}.cql").read_text(encoding="utf-8") for c in cases})
    translations = translate(sources)
    untyped = translate(sources, options=[o for o in PACKAGE_OPTIONS if o != "EnableResultTypes"])
    for name, translation in [*translations.items(), *untyped.items()]:
        assert translation.clean, f"{name}: {[str(m) for m in translation.errors + translation.warnings]}"
    bundles = _bundles()
    value_sets = [json.loads((FIXTURES / p).read_text(encoding="utf-8")) for p in manifest["valueSets"]]
    out = []
    for case in cases:
        libraries = [translations["FHIRHelpers"].elm, translations[case.name].elm]
        kwargs = dict(parameters=case.parameters, now=manifest["now"], value_sets=value_sets)
        theirs = crossengine.run_cql_execution(libraries, case.name, bundles, **kwargs)
        defines = len(patient_defines(translations[case.name].elm))
        for table in (translations, untyped):
            ours = crossengine.run_engine([table["FHIRHelpers"].elm, table[case.name].elm], case.name, bundles, **kwargs)
            result = compare(case.name, ours, theirs, KNOWN_DIVERGENCES + ENGINE_GAPS)
            out.append(Run(result, defines, len(bundles)))
    return out


@pytest.fixture(scope="module")
def runs() -> list[Run]:
    """The comparisons, run once for this module."""
    if not crossengine.FHIRHELPERS.exists():
        pytest.skip(f"the project's FHIRHelpers source is not there yet: {crossengine.FHIRHELPERS}")
    return run_cases()


def _show(result: CrossResult) -> str:
    return "\n".join(
        f"{m.library}.{m.define} for {m.patient}: ours {json.dumps(m.ours, default=str)[:300]} "
        f"cql-execution {json.dumps(m.theirs, default=str)[:300]}"
        for m in result.unexplained()
    )


def test_every_value_agrees_or_is_a_known_divergence(runs: list[Run]) -> None:
    for run in runs:
        assert not run.result.unexplained(), _show(run.result)


def test_every_define_for_every_patient_was_compared(runs: list[Run]) -> None:
    for run in runs:
        failed_patients = sum(m.define == ANY for m in run.result.mismatches)
        assert run.result.compared == (run.patients - failed_patients) * run.defines + failed_patients
        assert failed_patients < run.patients
        divergent = sum(m.known in KNOWN_DIVERGENCES for m in run.result.mismatches)
        assert divergent <= 0.1 * run.result.compared, f"{run.result.library}: {divergent} of {run.result.compared} diverge"


def test_every_known_divergence_still_happens(runs: list[Run]) -> None:
    stale = crossengine.unused(KNOWN_DIVERGENCES + ENGINE_GAPS, [run.result for run in runs])
    assert not stale, f"listed divergences or engine gaps that no longer happen (remove them): {stale}"


def test_same_keeps_cql_types_apart() -> None:
    assert same({"Integer": 2}, {"Number": "2"})
    assert same({"Decimal": "2.50"}, {"Number": "2.5"})
    assert not same({"Integer": 2}, {"Decimal": "2"})
    assert not same({"Decimal": "0.3"}, {"Decimal": "0.30000000000000004"})
    assert not same("2", {"Integer": 2})
    assert not same(None, False)


def test_same_compares_dates_by_precision_and_offset_by_value() -> None:
    ours = {"DateTime": [2024, 2, 29], "offset": "-5.0"}
    assert same(ours, {"DateTime": [2024, 2, 29], "offset": "-5"})
    assert not same(ours, {"DateTime": [2024, 2, 29, 0], "offset": "-5"})
    assert not same(ours, {"DateTime": [2024, 2, 29], "offset": None})
    assert not same({"Date": [2024, 2]}, {"Date": [2024, 2, 1]})


def test_same_reads_fhir_primitives_and_dimensionless_units() -> None:
    assert same("obs-1", {"FHIR": "obs-1"})
    assert same(True, {"FHIR": True})
    assert same({"Integer": 3}, {"FHIR": 3})
    assert not same({"Integer": 3}, {"FHIR": "3"})
    assert same({"Quantity": "1", "unit": "1"}, {"Quantity": "1.0", "unit": ""})
    assert not same({"Quantity": "1", "unit": "g"}, {"Quantity": "1000", "unit": "mg"})
    assert same([{"FHIR": {"id": "a"}}], [{"FHIR": {"id": "a"}}])
    assert not same([{"FHIR": {"id": "a"}}], [{"FHIR": {"id": "b"}}])


def test_compare_counts_and_explains_mismatches() -> None:
    ours = {"p1": {"results": {"A": {"Integer": 1}, "B": {"Decimal": "0.3"}}}, "p2": {"results": {"A": None}}}
    theirs = {"p1": {"results": {"A": {"Integer": 1}, "B": {"Number": "0.30000000000000004"}}}, "p2": {"error": "boom"}}
    known = [KnownDivergence("L", "B", "p1", "binary floats")]
    result = compare("L", ours, theirs, known)
    assert (result.compared, result.agreed) == (3, 1)
    assert [(m.define, m.patient, m.known) for m in result.mismatches] == [("B", "p1", known[0]), (ANY, "p2", None)]
    assert crossengine.unused(known + [KnownDivergence("L", "C", ANY, "x")], [result]) == [KnownDivergence("L", "C", ANY, "x")]


def test_engine_values_take_the_tagged_form() -> None:
    from call0603.cql.datatypes.datetime import DateTime
    from call0603.cql.datatypes.long import Long
    from call0603.cql.datatypes.quantity import Quantity

    assert crossengine.tagged([1, Long(2), Decimal("1.50"), None]) == [{"Integer": 1}, {"Long": "2"}, {"Decimal": "1.50"}, None]
    assert crossengine.tagged(Quantity(Decimal("0.5"), "10*3/uL")) == {"Quantity": "0.5", "unit": "10*3/uL"}
    moment = DateTime.parse("2024-02-29T23:30:00.000-05:00")
    assert same(crossengine.tagged(moment), {"DateTime": [2024, 2, 29, 23, 30, 0, 0], "offset": "-5"})
    assert same(crossengine.tagged(crossengine.untagged({"DateTime": [2024, 3, 1], "offset": "0"})),
                {"DateTime": [2024, 3, 1], "offset": "0"})
