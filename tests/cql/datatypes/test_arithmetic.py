"""Arithmetic on CQL values: overflow to null at the Integer/Long/Decimal limits, rounding, truncation, logs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql.datatypes.datetime import Date, DateTime, Time
from call0603.cql.datatypes.decimal import MAX_DECIMAL, MAX_INTEGER, MAX_LONG, MIN_INTEGER
from call0603.cql.datatypes.long import Long
from call0603.cql.datatypes.quantity import Quantity
from call0603.cql.datatypes.uncertainty import Uncertainty
from call0603.cql.elm import arithmetic as ar
from call0603.cql.runtime.errors import CqlRuntimeError

D = Decimal


@pytest.mark.parametrize("result, expected", [
    (ar.add(MAX_INTEGER, 0), MAX_INTEGER),
    (ar.add(MAX_INTEGER, 1), None),
    (ar.subtract(MIN_INTEGER, 1), None),
    (ar.multiply(65536, 32768), None),
    (ar.negate(MIN_INTEGER), None),
    (ar.add(Long(MAX_LONG), Long(1)), None),
    (ar.add(Long(1), Long(2)), Long(3)),
    (ar.add(MAX_DECIMAL, D("0.00000001")), None),
    (ar.divide(1, 0), None),
    (ar.divide(D(10), D(3)), D("3.33333333")),
    (ar.divide(D(2), D(3)), D("0.66666667")),
    (ar.truncated_divide(-10, 3), -3),
    (ar.truncated_divide(D("-10.1"), D("3.1")), D(-3)),
    (ar.modulo(-10, 3), -1),
    (ar.modulo(D("3.5"), 3), D("0.5")),
    (ar.modulo(1, 0), None),
    (ar.power(2, -2), D("0.25")),
    (ar.power(D(-8), D("0.5")), None),
    (ar.log(D(16), D(2)), D("4.00000000")),
    (ar.log(D(1), D(1)), None),
    (ar.ln(D(-1)), None),
    (ar.round_to(D("-0.5")), D(-1)),
    (ar.round_to(D("3.14159"), 2), D("3.14")),
])
def test_numeric_results(result, expected) -> None:
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value, ceiling, floor, truncate", [
    (D("2147483647.2"), None, MAX_INTEGER, MAX_INTEGER),
    (D("-2147483648.2"), MIN_INTEGER, None, MIN_INTEGER),
    (D("-0.1"), 0, -1, 0),
])
def test_to_integer_overflows_to_null(value, ceiling, floor, truncate) -> None:
    assert ar._to_integer("ROUND_CEILING")(value) == ceiling
    assert ar._to_integer("ROUND_FLOOR")(value) == floor
    assert ar._to_integer("ROUND_DOWN")(value) == truncate


def test_ln_of_zero_and_exp_overflow_are_errors() -> None:
    with pytest.raises(CqlRuntimeError):
        ar.ln(D(0))
    with pytest.raises(CqlRuntimeError):
        ar.exp(D(1000))


def test_boundaries_and_precision() -> None:
    assert ar.boundary(D("1.587"), 8, high=True) == D("1.58799999")
    assert ar.boundary(D("1.587"), 8, high=False) == D("1.58700000")
    assert ar.boundary(D("-1.5"), 2, high=True) == D("-1.59")
    assert ar.boundary(Date(2014), 6, high=True) == Date(2014, 12)
    assert ar.boundary(Time(10, 30), 9, high=True) == Time(10, 30, 59, 999)
    assert ar.precision(D("1.58700")) == 5 and ar.precision(DateTime((2014, 1, 5, 10, 30, 0, 0))) == 17


def test_quantities_and_temporal_arithmetic() -> None:
    assert ar.subtract(Quantity(D("1.0"), "cm"), Quantity(D("2.0"), "cm")) == Quantity(D("-1.0"), "cm")
    assert ar.truncated_divide(Quantity(D("4.14"), "m"), Quantity(D("2.06"), "m")) == Quantity(D(2), "m")
    assert ar.modulo(Quantity(D("10.0"), "g"), Quantity(D("0.0"), "g")) is None
    assert ar.add(Date(2016, 6, 10), Quantity(D(21), "days")) == Date(2016, 7, 1)
    assert ar.subtract(DateTime((2016, 6, 10, 5)), Quantity(D(6), "hours")) == DateTime((2016, 6, 9, 23))
    assert ar.add(Time(15, 59, 59, 999), Quantity(D(1), "ms")).parts == (16, 0, 0, 0)


def test_uncertain_durations_combine_as_ranges() -> None:
    days = Uncertainty(16, 44)
    assert ar.add(days, days) == Uncertainty(32, 88)
    assert ar.subtract(days, Uncertainty(4, 16)) == Uncertainty(0, 40)
    assert ar.multiply(days, days) == Uncertainty(256, 1936)
    assert (Uncertainty(7, 18) > 5) is True and (Uncertainty(1, 13) > 5) is None and (Uncertainty(5, 9) >= 5) is True
    with pytest.raises(CqlRuntimeError):
        ar.truncated_divide(days, Uncertainty(4, 16))
