"""Load-time optimisations keep CQL's results: folded constants, query parts hoisted out of the row loop, fast
paths for dates and square roots, remembered function calls."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql import CqlRuntimeError
from call0603.cql.datatypes.datetime import Date, DateTime
from call0603.cql.elm.arithmetic import power
from call0603.cql.runtime.analysis import THIS, ReadsTable

from engine_kit import engine, library

CQL = """
parameter "Limit" Integer default 2
define function Above(values List<Integer>, floor Integer): values V where V > floor + 0
define function Shifted(values List<Integer>, by Integer): values V return V + (by * 10)
define "Above One": Above({1, 2, 3, 4}, 1)
define "Above Three": Above({1, 2, 3, 4}, 3)
define "Both": { Count(Above({1, 2, 3, 4}, 1)), Count(Above({1, 2, 3, 4}, 3)) }
define "Nested": ({1, 2}) X return Shifted({1, 2}, X)
define "No Row Reaches It": (List<Integer>{}) X where X > singleton from { "Limit", "Limit" }
define "A Row Reaches It": ({1}) X where X > singleton from { "Limit", "Limit" }
define "Invariant Message": ({1, 2, 3}) X where Message(true, true, 'M', 'Message', 'checked') return X
define "Noon": @2024-01-01T12:00
define "Constant Tuple": Tuple { a: 1 + 1, b: { 'x', 'y' } }
define "Root": Power(2.25, 0.5)
define "Inexact Root": Power(2.0, 0.5)
define "Union Chain": {1, 2} union ({2, 3} union {3, 1, 4}) union {4, 5}
define "Union Of Nulls": (null as List<Integer>) union {1, 1} union (null as List<Integer>)
define "Union All Null": (null as List<Integer>) union (null as List<Integer>)
define "Sorted Dates": ({ @2024-01-03, null, @2024-01-01, @2024-01-02 }) D sort asc
define "Sorted Dates Desc": ({ @2024-01-03, null, @2024-01-01, @2024-01-02 }) D sort desc
define "Mixed Precision": ({ @2024-01-02, @2024-01, @2024-01-01 }) D sort asc
define "Two Keys": ({ Tuple { t: @2024-01-02T10:00:00+01:00, id: 'b' }, Tuple { t: @2024-01-01T10:00:00+01:00, id: 'c' },
  Tuple { t: @2024-01-02T10:00:00+01:00, id: 'a' }, Tuple { t: null as DateTime, id: 'z' } }) T sort by t desc, id
define "Offsets": ({ Tuple { t: @2024-01-01T10:00:00+02:00, id: 'x' }, Tuple { t: @2024-01-01T09:30:00Z, id: 'y' } }) T sort by t
define "Numbers": ({ 2.5, 1, null, 3 }) N sort desc
define "Union Of Tuples": { Tuple { a: 1, b: 'x' } } union { Tuple { a: 1, b: 'x' }, Tuple { a: 1, b: null } }
"""


@pytest.fixture(scope="module")
def eng():
    return engine(library("Optimised", CQL))


def _one(eng, name: str, **kwargs):
    return eng.evaluate("Optimised", expressions=[name], **kwargs)[name]


def test_a_hoisted_part_is_computed_afresh_for_each_run_of_its_query(eng) -> None:
    assert _one(eng, "Above One") == [2, 3, 4]
    assert _one(eng, "Above Three") == [4]
    assert _one(eng, "Both") == [3, 1]
    assert _one(eng, "Nested") == [[11, 12], [21, 22]]


def test_a_hoisted_part_no_row_reaches_is_never_evaluated(eng) -> None:
    assert _one(eng, "No Row Reaches It") == []
    with pytest.raises(CqlRuntimeError, match="singleton"):
        _one(eng, "A Row Reaches It")


def test_a_message_is_never_hoisted_or_folded(eng) -> None:
    lib = eng.library("Optimised")
    ctx = eng.context(lib)
    assert lib.expressions["Invariant Message"].evaluate(ctx) == [1, 2, 3]
    assert [m[1] for m in ctx.messages] == ["M", "M", "M"]


def test_a_datetime_without_offset_takes_each_request_offset(eng) -> None:
    east = _one(eng, "Noon", now=DateTime((2024, 1, 1, 0, 0, 0, 0), Decimal(9)))
    west = _one(eng, "Noon", now=DateTime((2024, 1, 1, 0, 0, 0, 0), Decimal(-5)))
    assert (east.offset, west.offset) == (Decimal(9), Decimal(-5))


def test_constants_are_computed_once_and_shared(eng) -> None:
    first, second = _one(eng, "Constant Tuple"), _one(eng, "Constant Tuple")
    assert first == {"a": 2, "b": ["x", "y"]} and first is second


def test_square_roots_keep_powers_digits() -> None:
    assert str(power(Decimal("2.25"), Decimal("0.5"))) == "1.50000000"
    assert str(power(Decimal("2.0"), Decimal("0.5"))) == "1.41421356"
    assert str(power(Decimal("3600"), Decimal("0.5"))) == "60.00000000"
    assert power(Decimal("-4"), Decimal("0.5")) is None


def test_roots_through_cql(eng) -> None:
    assert str(_one(eng, "Root")) == "1.50000000" and str(_one(eng, "Inexact Root")) == "1.41421356"


def test_reads_name_the_free_names_a_node_depends_on() -> None:
    alias = {"type": "AliasRef", "name": "O"}
    where = {"type": "Greater", "operand": [{"type": "Property", "path": "x", "scope": "R"}, alias]}
    sort_key = {"type": "IdentifierRef", "name": "date"}
    table = ReadsTable()
    assert table.of(where).names == {"R", "O"} and not table.of(where).evaluation
    assert table.of(sort_key).names == {"date", THIS}
    assert table.of({"type": "Add", "operand": [{"type": "Literal", "value": "1"}] * 2}).constant
    assert table.of({"type": "ExpressionRef", "name": "X"}).evaluation
    assert table.of({"type": "Message", "source": alias}).effect


@pytest.mark.parametrize(("low", "high", "expected"), [
    ((2024, 1, 1), (2024, 1, 2), -1), ((2024, 1, 2), (2024, 1, 2), 0), ((2024, 1, 3), (2024, 1, 2), 1),
    ((2024, 1), (2024, 1, 2), None), ((2024, 2), (2024, 1, 31), 1),
])
def test_dates_compare_as_before(low, high, expected) -> None:
    assert Date(*low).cql_compare(Date(*high)) == expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    # same instant in two offsets, minute precision: equal
    (((2024, 1, 1, 10, 0), Decimal(1)), ((2024, 1, 1, 9, 0), Decimal(0)), 0),
    # 10:00+01:00 is 09:00Z, before 09:30Z
    (((2024, 1, 1, 10, 0), Decimal(1)), ((2024, 1, 1, 9, 30), Decimal(0)), -1),
    # half-hour offset at minute precision
    (((2024, 1, 1, 23, 45, 0, 0), Decimal("5.5")), ((2024, 1, 1, 18, 14, 59, 999), Decimal(0)), 1),
    # across midnight and a month end
    (((2024, 3, 1, 0, 30), Decimal(2)), ((2024, 2, 29, 22, 30), Decimal(0)), 0),
    # different precisions: unknown
    (((2024, 1, 1, 10, 0), Decimal(1)), ((2024, 1, 1, 9), Decimal(0)), None),
])
def test_datetimes_in_different_offsets_compare_by_instant(a, b, expected) -> None:
    assert DateTime(*a).cql_compare(DateTime(*b)) == expected
    assert DateTime(*b).cql_compare(DateTime(*a)) == (None if expected is None else -expected)


@pytest.mark.parametrize(("start", "days", "expected"), [
    ((2024, 2, 28), 1, (2024, 2, 29)), ((2023, 12, 31), 1, (2024, 1, 1)), ((2024, 3, 1), -1, (2024, 2, 29)),
    ((2024, 1, 8), Decimal("13.9"), (2024, 1, 21)), ((2024, 1, 8), Decimal("-1.5"), (2024, 1, 7)),
])
def test_adding_days_to_a_date(start, days, expected) -> None:
    from call0603.cql.datatypes.datetime import DAY, WEEK

    assert Date(*start).add(days, DAY).parts == expected
    assert DateTime((*start, 10, 30), Decimal(1)).add(days, DAY).parts == (*expected, 10, 30)
    assert Date(*start).add(1, WEEK).parts == Date(*start).add(7, DAY).parts


def test_adding_days_past_the_calendar_is_an_error() -> None:
    from call0603.cql.datatypes.datetime import DAY

    with pytest.raises(CqlRuntimeError, match="out of range"):
        Date(9999, 12, 31).add(1, DAY)


def test_a_chain_of_unions_is_one_distinct_pass(eng) -> None:
    assert _one(eng, "Union Chain") == [1, 2, 3, 4, 5]
    assert _one(eng, "Union Of Nulls") == [1]
    assert _one(eng, "Union All Null") is None
    assert _one(eng, "Union Of Tuples") == [{"a": 1, "b": "x"}, {"a": 1, "b": None}]


def test_sorting_on_plain_keys_orders_as_cql_comparison(eng) -> None:
    assert [str(d) for d in _one(eng, "Sorted Dates")[1:]] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert _one(eng, "Sorted Dates")[0] is None and _one(eng, "Sorted Dates Desc")[-1] is None
    assert [str(d) for d in _one(eng, "Mixed Precision")] == ["2024-01", "2024-01-01", "2024-01-02"]
    assert [t["id"] for t in _one(eng, "Two Keys")] == ["a", "b", "c", "z"]
    assert [t["id"] for t in _one(eng, "Offsets")] == ["x", "y"]
    assert _one(eng, "Numbers") == [3, Decimal("2.5"), 1, None]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-01-08T10:30:00+01:00", ((2024, 1, 8, 10, 30, 0), Decimal(1))),
    ("2024-01-08T10:30:00Z", ((2024, 1, 8, 10, 30, 0), Decimal(0))),
    ("2024-01-08T10:30:00", ((2024, 1, 8, 10, 30, 0), Decimal(-5))),
    ("2024-01-08T10:30:00.5-05:30", ((2024, 1, 8, 10, 30, 0, 500), Decimal("-5.5"))),
    ("2024-01-08T10:30:00+24:00", ((2024, 1, 8, 10, 30, 0), Decimal(24))),
    ("2024-01-08", ((2024, 1, 8), Decimal(-5))),
    ("2024-02-30T10:30:00Z", None), ("2024-01-08T24:00:00", None), ("2024-01-08T10:30:60Z", None),
    ("2024-01-08T10:30:00+01:60", None), ("2024-01-08 10:30:00", None), ("2024-1-08T10:30:00Z", None),
])
def test_fhir_datetimes_parse_as_before(text, expected) -> None:
    parsed = DateTime.parse(text, Decimal(-5))
    assert (None if parsed is None else (parsed.parts, parsed.offset)) == expected


def test_distinct_tuples_holding_resources_keep_one_of_each() -> None:
    """Tuples are bucketed by the resources they hold: equal ones (the same resource, or an equal copy) count once,
    tuples of different resources are all kept, and a tuple whose other element differs is kept too."""
    from call0603.cql.elm.comparison import equal
    from call0603.cql.elm.list import distinct

    first = {"resourceType": "Observation", "id": "a", "valueQuantity": {"value": Decimal("1.5"), "unit": "/uL"}}
    copy = {"resourceType": "Observation", "id": "a", "valueQuantity": {"value": Decimal("1.50"), "unit": "/uL"}}
    other = {"resourceType": "Observation", "id": "b", "valueQuantity": {"value": Decimal("1.5"), "unit": "/uL"}}
    rows = [{"observation": first, "why": None}, {"observation": copy, "why": None},
            {"observation": other, "why": None}, {"observation": first, "why": "no unit"}, {"observation": first, "why": None}]
    assert distinct(rows) == [rows[0], rows[2], rows[3]]
    assert equal(first, first) is True and equal(first, copy) is True and equal(first, other) is False


FOLDING = """
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
parameter "Offset" Integer default 0
define function Doubled(q System.Quantity): q * 2
define function Plus(q System.Quantity, n Integer): q + System.Quantity { value: n, unit: q.unit }
define function Counted(q System.Quantity): q * Count([Observation])
define function Shifted(q System.Quantity): q * ("Offset" + 1)
define function Noted(q System.Quantity): Message(q * 2, true, 'N', 'Message', 'noted')
define "Pure": { Doubled(500 '/uL') }
define "Pure Too": { Plus(500 '/uL', 1) }
define "Reads Data": { Counted(500 '/uL') }
define "Reads Parameter": { Shifted(500 '/uL') }
define "Has Effect": { Noted(500 '/uL') }
define function Text(q System.Quantity): ToString(q) + '!'
define function Counting(q System.Quantity): ToString(q * Count([Observation])) + '!'
define function Passed(q System.Quantity, n Integer): { Text(q), Counting(q), ToString(n) }
define "Passed On": Passed(500 '/uL', Count([Observation]))
define "Written Once": 500 '/uL'
define "Written Again": 500 '/uL'
define "Written Otherwise": 500.5 '/uL'
define "Decimal Once": { 2.50 }
define "Decimal Again": { 2.50 }
define "Decimal Otherwise": { 2.5 }
"""

OBSERVATION = {"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"}}


def test_calls_of_functions_reading_nothing_of_the_evaluation_are_computed_once() -> None:
    """A call with constant operands (inside an expression: a define's value is cached per patient anyway) of a
    function that reads no data, parameter or time is computed when the library is compiled, one value for every
    patient; one that reads any of them, or logs a message, is not."""
    from call0603.cql import PatientData

    eng = engine(library("Folding", FOLDING, fhir=False))
    first = eng.evaluate("Folding", data=PatientData.from_resources([]))
    second = eng.evaluate("Folding", data=PatientData.from_resources([OBSERVATION, {**OBSERVATION, "id": "p"}]),
                          parameters={"Offset": 1})
    (pure,), (pure_too,) = first["Pure"], first["Pure Too"]
    assert second["Pure"][0] is pure and str(pure) == "1000 '/uL'"
    assert second["Pure Too"][0] is pure_too and str(pure_too) == "501 '/uL'"
    assert (str(first["Reads Data"][0]), str(second["Reads Data"][0])) == ("0 '/uL'", "1000 '/uL'")
    assert (str(first["Reads Parameter"][0]), str(second["Reads Parameter"][0])) == ("500 '/uL'", "1000 '/uL'")
    assert first["Has Effect"][0] is not second["Has Effect"][0]


def test_equal_constants_written_alike_are_one_object() -> None:
    """Remembered calls find a threshold written in several places only if it is one object; 2.5 is not 2.50."""
    values = engine(library("Folding", FOLDING, fhir=False)).evaluate("Folding", expressions=[
        "Written Once", "Written Again", "Written Otherwise", "Decimal Once", "Decimal Again", "Decimal Otherwise"])
    assert values["Written Once"] is values["Written Again"]
    assert values["Written Otherwise"] is not values["Written Once"]
    assert values["Decimal Once"][0] is values["Decimal Again"][0]
    assert values["Decimal Otherwise"][0] is not values["Decimal Once"][0]
    assert (str(values["Decimal Once"][0]), str(values["Decimal Otherwise"][0])) == ("2.50", "2.5")


def test_a_call_on_a_constant_handed_down_as_an_operand_is_shared_only_when_it_reads_nothing_of_the_evaluation() -> None:
    """Text(q) is given the constant 500 '/uL' through an operand, so it cannot be folded where it is written: its
    value is computed once and shared by every patient; Counting(q) reads the patient's data and is computed for each."""
    from call0603.cql import PatientData

    eng = engine(library("Folding", FOLDING, fhir=False))
    first = eng.evaluate("Folding", data=PatientData.from_resources([]), expressions=["Passed On"])["Passed On"]
    second = eng.evaluate("Folding", data=PatientData.from_resources([OBSERVATION]), expressions=["Passed On"])["Passed On"]
    assert first[0] == "500 '/uL'!" and second[0] is first[0]
    assert (first[1], second[1]) == ("0 '/uL'!", "500 '/uL'!")
