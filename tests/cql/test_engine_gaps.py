"""Former gaps of the engine, each against the CQL specification: a day-precision DateTime against a finer one in
another offset, closed null interval boundaries kept as values, Integer literals outside 32 bits, lists and null."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql import CqlRuntimeError
from call0603.cql.datatypes.datetime import Date, DateTime
from call0603.cql.datatypes.interval import Interval
from call0603.cql.elm.interval import contains

from engine_kit import engine, library

UTC, EAST, WEST = Decimal(0), Decimal(1), Decimal(-5)


@pytest.mark.parametrize(("day", "moment", "expected"), [
    # 2024-03-01T00:00Z is 2024-02-29T19:00 at -05:00: the same day, so the order is unknown at the hour
    (((2024, 2, 29), WEST), ((2024, 3, 1, 0, 0, 0, 0), UTC), None),
    # 2024-03-01T06:00Z is 2024-03-01T01:00 at -05:00: the next day
    (((2024, 2, 29), WEST), ((2024, 3, 1, 6, 0, 0, 0), UTC), -1),
    # 2024-02-29T03:00Z is 2024-02-28T22:00 at -05:00: the day before
    (((2024, 2, 29), WEST), ((2024, 2, 29, 3, 0, 0, 0), UTC), 1),
    # one offset: read as written
    (((2024, 2, 29), UTC), ((2024, 3, 1, 0, 0, 0, 0), UTC), -1),
])
def test_a_day_against_a_moment_in_another_offset_is_read_in_the_days_offset(day, moment, expected) -> None:
    coarse, fine = DateTime(*day), DateTime(*moment)
    assert coarse.cql_compare(fine) == expected
    assert fine.cql_compare(coarse) == (None if expected is None else -expected)


def test_a_day_precision_window_containing_a_moment_of_that_day_elsewhere_is_unknown() -> None:
    window = Interval(DateTime((2024, 2, 29), WEST), DateTime((2024, 3, 28), WEST))
    assert contains(window, DateTime((2024, 3, 1, 0, 0, 0, 0), UTC)) is None
    assert contains(window, DateTime((2024, 3, 1, 6, 0, 0, 0), UTC)) is True
    assert contains(window, DateTime((2024, 2, 29, 3, 0, 0, 0), UTC)) is False
    assert contains(window, DateTime((2024, 3, 29, 4, 59, 0, 0), UTC)) is None


@pytest.mark.parametrize(("precision", "hour", "expected"), [
    ("day", 3, True),      # at day precision the values are read as written
    ("hour", 3, False),    # 03:00Z is 22:00 the day before at -05:00
    ("hour", 12, None),    # 12:00Z is 07:00 the same day at -05:00: the day-precision value has no hour
])
def test_same_day_reads_face_values_and_finer_precisions_normalise(precision, hour, expected) -> None:
    eng = engine(library("Days", f"""
define "Compared": @2024-02-29T same {precision} as @2024-02-29T{hour:02d}:00:00.000Z
"""))
    now = DateTime((2024, 3, 1, 9, 0, 0, 0), WEST)  # the day-precision literal takes the request's offset
    assert eng.evaluate("Days", now=now)["Compared"] is expected


NULL_BOUNDS = """
define "Unbounded": Interval[null as Integer, null as Integer]
define "From Five": Interval[5, null]
define "Open Null": Interval(null, 5]
define "Unknown Window": Interval[null as DateTime, null as DateTime]
define "Five In Unbounded": 5 in Interval[null as Integer, null as Integer]
define "Start Of Unbounded": start of Interval[null as Integer, 5]
define "End From Five": end of Interval[5, null]
define "Start Of Open Null": start of Interval(null as Integer, 5]
define "Includes": Interval[null as Integer, null as Integer] includes Interval[1, 10]
define "Unbounded Union": Interval[null as Integer, 5] union Interval[3, 10]
"""


@pytest.fixture(scope="module")
def bounds():
    return engine(library("NullBounds", NULL_BOUNDS)).evaluate("NullBounds")


def test_closed_null_boundaries_stay_null_in_the_value(bounds) -> None:
    for name in ("Unbounded", "Unknown Window"):
        interval = bounds[name]
        assert (interval.low, interval.high, interval.low_closed, interval.high_closed) == (None, None, True, True)
    assert (bounds["From Five"].low, bounds["From Five"].high) == (5, None)
    assert (bounds["Open Null"].low, bounds["Open Null"].low_closed) == (None, False)


def test_a_closed_null_boundary_is_unbounded_and_an_open_one_unknown(bounds) -> None:
    assert bounds["Five In Unbounded"] is True and bounds["Includes"] is True
    assert bounds["Start Of Unbounded"] == -(2**31) and bounds["End From Five"] == 2**31 - 1
    assert bounds["Start Of Open Null"] is None
    union = bounds["Unbounded Union"]
    assert (union.low, union.high, union.start()) == (None, 10, -(2**31))


LITERALS = """
define "Max Integer": 2147483647
define "Min Integer": -2147483648
define "Past Max": 2147483648
define "Past Min": -2147483649
define "Plus Past Max": +2147483648
define "Max Long": 9223372036854775807L
define "Min Long": -9223372036854775808L
define "Past Max Long": 9223372036854775808L
define "Negated Expression": -(2147483647 + 0)
define "Whole Decimal": Floor(2147483648)
define "Negative Whole Decimal": Ceiling(-2147483649) + 0.0
"""


@pytest.fixture(scope="module")
def literals():
    return engine(library("Literals", LITERALS))


@pytest.mark.parametrize(("name", "expected"), [
    ("Max Integer", 2**31 - 1), ("Min Integer", -(2**31)), ("Max Long", 2**63 - 1), ("Min Long", -(2**63)),
    ("Negated Expression", -(2**31 - 1)),
    # a whole number the translator reads as a Decimal (ToDecimal) is a Decimal literal, in range as a Decimal;
    # Floor then gives an Integer beyond 32 bits: null
    ("Whole Decimal", None), ("Negative Whole Decimal", None),
])
def test_integer_and_long_literals_at_their_limits(literals, name, expected) -> None:
    assert literals.evaluate("Literals", expressions=[name])[name] == expected


@pytest.mark.parametrize("name", ["Past Max", "Past Min", "Plus Past Max", "Past Max Long"])
def test_a_literal_outside_its_range_is_an_error_when_evaluated(literals, name) -> None:
    with pytest.raises(CqlRuntimeError, match="outside"):
        literals.evaluate("Literals", expressions=[name])


def _run_node(node: dict, **scope) -> object:
    """Compile one hand-written ELM expression (for operators CQL has no syntax for) and evaluate it."""
    from call0603.cql import Engine

    library = {"library": {"identifier": {"id": "Hand", "version": "1"}, "statements": {"def": [
        {"name": "Value", "context": "Patient", "expression": node}]}}}
    engine_ = Engine([library])
    return engine_.evaluate("Hand")["Value"]


def _literal(value: int) -> dict:
    return {"type": "Literal", "valueType": "{urn:hl7-org:elm-types:r1}Integer", "value": str(value)}


def test_descendents_of_null_is_null() -> None:
    eng = engine(library("Tree", 'define "Nothing": (null).descendents()\n'))
    assert eng.evaluate("Tree")["Nothing"] is None


def test_children_and_descendents_of_structures() -> None:
    tuple_node = {"type": "Tuple", "element": [
        {"name": "a", "value": _literal(1)},
        {"name": "b", "value": {"type": "List", "element": [_literal(2), _literal(3)]}},
        {"name": "c", "value": {"type": "Tuple", "element": [{"name": "d", "value": _literal(4)}]}},
        {"name": "e", "value": {"type": "Null"}},
    ]}
    assert _run_node({"type": "Children", "source": tuple_node}) == [1, 2, 3, {"d": 4}]
    assert _run_node({"type": "Descendents", "source": tuple_node}) == [1, 2, 3, {"d": 4}, 4]
    listed = {"type": "List", "element": [tuple_node, _literal(9)]}
    assert _run_node({"type": "Children", "source": listed}) == [1, 2, 3, {"d": 4}]
    assert _run_node({"type": "Children", "source": {"type": "Null"}}) is None


def test_descendents_of_a_fhir_resource_skip_its_type_and_primitive_extensions() -> None:
    from call0603.cql.elm.list import children, descendents

    resource = {"resourceType": "Observation", "status": "final", "_status": {"extension": []},
                "code": {"coding": [{"system": "s", "code": "c"}]}}
    assert children(resource) == ["final", {"coding": [{"system": "s", "code": "c"}]}]
    assert descendents(resource) == ["final", {"coding": [{"system": "s", "code": "c"}]}, {"system": "s", "code": "c"}, "s", "c"]


def test_repeat_applies_the_element_until_nothing_new_comes() -> None:
    # Repeat({1}, if $this < 4 then $this + 1 else null) gives 2, 3, 4
    this = {"type": "AliasRef", "name": "$this"}
    step = {"type": "If", "condition": {"type": "Less", "operand": [this, _literal(4)]},
            "then": {"type": "Add", "operand": [this, _literal(1)]}, "else": {"type": "Null"}}
    source = {"type": "List", "element": [_literal(1)]}
    assert _run_node({"type": "Repeat", "source": source, "element": step, "scope": "$this"}) == [2, 3, 4]
    # new as against the result so far (the source is not part of it), as FHIRPath's repeat(): 1, then nothing new
    assert _run_node({"type": "Repeat", "source": source, "element": this, "scope": "$this"}) == [1]
    assert _run_node({"type": "Repeat", "source": {"type": "Null"}, "element": this, "scope": "$this"}) is None
