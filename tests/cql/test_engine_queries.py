"""Queries compiled from real CQL: sources, let, with/without, where, return (distinct/all), sort, aggregate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql import PatientData, Tuple

from engine_kit import engine, library

CQL = """
codesystem "LOINC": 'http://loinc.org'
code "Weight": '29463-7' from "LOINC"
context Patient
define Weights: [Observation: "Weight"]
define Distinct: ({1, 2, 2, 3, 1}) X return X
define All: ({1, 2, 2, 3, 1}) X return all X
define NoReturn: ({1, 2, 2}) X where X > 0
define Ascending: ({3, null, 1, 2}) X sort asc
define Descending: ({3, null, 1, 2}) X sort desc
define ByColumn: ({Tuple{a: 2, b: 'x'}, Tuple{a: 1, b: 'y'}, Tuple{a: null as Integer, b: 'z'}}) T sort by a
define ByColumnDesc: ({Tuple{a: 2, b: 'x'}, Tuple{a: 1, b: 'y'}, Tuple{a: null as Integer, b: 'z'}}) T sort by a desc
define Cartesian: from ({1, 2}) A, ({'a', 'b'}) B return Tuple{n: A, s: B}
define CartesianNoReturn: from ({1, 2}) A, ({'a'}) B
define CartesianWhere: from ({1, 2, 3}) A, ({2, 3}) B where A = B return A
define Lets: ({1, 2, 3}) X let double: X * 2, triple: double + X where double > 2 return triple
define WithClause: ({1, 2, 3, 4}) X with ({2, 4, 6}) Y such that Y = X * 2 return X
define WithoutClause: ({1, 2, 3, 4}) X without ({2, 4, 6}) Y such that Y = X * 2 return X
define Sum: ({1, 2, 3, 4}) X aggregate R starting 0: R + X
define SumDistinct: ({1, 2, 2, 4}) X aggregate distinct R starting 0: R + X
define Factorial: ({1, 2, 3, 4}) X aggregate R starting 1: R * X
define NullSource: (null as List<Integer>) X return X
define Singleton: (5) X where X > 3 return X + 1
define SingletonFiltered: (5) X where X > 30
define SingletonNull: (null as Integer) X return X
define NestedSameAlias: ({1, 2}) X return (({10, 20}) X return X + 1)
define AfterNested: ({1, 2}) X return Tuple{inner: Count(({7, 8, 9}) X where X > 7), outer: X}
define LatestWeight: First(Weights O sort by (effective as FHIR.dateTime) desc)
define LatestWeightValue: (LatestWeight.value as Quantity).value
define EarliestWeightId: First(Weights O sort by (effective as FHIR.dateTime)).id
define HeavyIds: Weights O where (O.value as Quantity) > 20 'kg' return O.id
define QueryDistinctTuples: ({Tuple{a: 1}, Tuple{a: 1}, Tuple{a: 2}}) T return T
"""


@pytest.fixture(scope="module")
def results() -> dict:
    eng = engine(library("Queries", CQL, fhir=True))
    resources = [
        {"resourceType": "Patient", "id": "p1", "birthDate": "2012-03-04"},
        _weight("w1", "2024-01-05T08:00:00Z", 19.5),
        _weight("w2", "2024-03-01T08:00:00+02:00", 21.25),
        _weight("w3", "2024-02-10", 20.0),
    ]
    return eng.evaluate("Queries", data=PatientData.from_resources(resources))


def _weight(ident: str, effective: str, kg: float) -> dict:
    return {
        "resourceType": "Observation", "id": ident, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "effectiveDateTime": effective,
        "valueQuantity": {"value": kg, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
    }


def test_return_is_distinct_unless_all(results: dict) -> None:
    assert results["Distinct"] == [1, 2, 3]
    assert results["All"] == [1, 2, 2, 3, 1]
    assert results["NoReturn"] == [1, 2, 2]
    assert results["QueryDistinctTuples"] == [Tuple(a=1), Tuple(a=2)]


def test_sort_puts_nulls_first_ascending_and_last_descending(results: dict) -> None:
    assert results["Ascending"] == [None, 1, 2, 3]
    assert results["Descending"] == [3, 2, 1, None]
    assert [t["b"] for t in results["ByColumn"]] == ["z", "y", "x"]
    assert [t["b"] for t in results["ByColumnDesc"]] == ["x", "y", "z"]


def test_multi_source_queries_are_cartesian(results: dict) -> None:
    assert results["Cartesian"] == [Tuple(n=1, s="a"), Tuple(n=1, s="b"), Tuple(n=2, s="a"), Tuple(n=2, s="b")]
    assert results["CartesianNoReturn"] == [Tuple(A=1, B="a"), Tuple(A=2, B="a")]
    assert results["CartesianWhere"] == [2, 3]


def test_let_with_without(results: dict) -> None:
    assert results["Lets"] == [6, 9]
    assert results["WithClause"] == [1, 2, 3]
    assert results["WithoutClause"] == [4]


def test_aggregate_clause(results: dict) -> None:
    assert results["Sum"] == 10
    assert results["SumDistinct"] == 7
    assert results["Factorial"] == 24


def test_null_and_singleton_sources(results: dict) -> None:
    assert results["NullSource"] == []
    assert results["Singleton"] == 6
    assert results["SingletonFiltered"] is None
    assert results["SingletonNull"] is None


def test_nested_queries_restore_outer_aliases(results: dict) -> None:
    assert results["NestedSameAlias"] == [[11, 21]]
    assert results["AfterNested"] == [Tuple(inner=2, outer=1), Tuple(inner=2, outer=2)]


def test_sort_by_fhir_datetime_sorts_on_the_instant(results: dict) -> None:
    # w2 is 2024-03-01T06:00Z, the latest; sorting on the text would also say so, but w3 (a date) must sort
    # between w1 and w2, which only a DateTime comparison gives.
    assert results["LatestWeight"]["id"] == "w2"
    assert results["LatestWeightValue"] == Decimal("21.25")
    assert results["EarliestWeightId"] == "w1"
    assert results["HeavyIds"] == ["w2"]
