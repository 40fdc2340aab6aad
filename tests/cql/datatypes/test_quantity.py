"""Quantities and UCUM: exact conversion at clinical thresholds, calendar durations, unit algebra, invalid units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql.datatypes import ucum
from call0603.cql.datatypes.quantity import Quantity, Ratio, add, divide, multiply

Q = lambda value, unit: Quantity(Decimal(value), unit)  # noqa: E731


@pytest.mark.parametrize("a, b", [
    (Q("1", "g"), Q("1000", "mg")),
    (Q("0.5", "10*3/uL"), Q("500", "/uL")),
    (Q("0.5", "10*3/uL"), Q("0.5", "10*9/L")),
    (Q("1", "/mm3"), Q("1", "/uL")),
    (Q("1", "10*6/L"), Q("1000", "/mL")),
    (Q("1", "[lb_av]"), Q("0.45359237", "kg")),
    (Q("1", "[in_i]"), Q("2.54", "cm")),
    (Q("1", "m2"), Q("10000", "cm2")),
    (Q("1", "week"), Q("1", "wk")),
    (Q("1", "year"), Q("12", "months")),
])
def test_equal_across_units(a: Quantity, b: Quantity) -> None:
    assert a.cql_equal(b) is True and b.cql_equal(a) is True


def test_threshold_conversion_is_exact() -> None:
    assert ucum.convert(Decimal("0.5"), "10*3/uL", "/uL") == Decimal(500)
    assert Q("0.5", "10*3/uL").cql_compare(Q("500", "/uL")) == 0
    assert Q("0.499", "10*3/uL").cql_compare(Q("500", "/uL")) == -1


def test_calendar_year_and_month_against_ucum_are_unknown_but_equivalent() -> None:
    assert Q("1", "year").cql_equal(Q("1", "a")) is None
    assert Q("1", "month").cql_equal(Q("1", "mo")) is None
    assert Q("1", "year").cql_equivalent(Q("1", "a")) is True


def test_invalid_or_incommensurable_units_give_null() -> None:
    assert Q("1", "K/uL").cql_equal(Q("1000", "/uL")) is None
    assert Q("1", "foo").cql_compare(Q("1", "g")) is None
    assert add(Q("1", "g"), Q("1", "cm")) is None
    assert ucum.is_valid("K/uL") and not ucum.is_valid("foo") and ucum.is_valid("mL/min/{1.73_m2}")


def test_unit_algebra() -> None:
    assert multiply(Q("1.0", "cm"), Q("2.0", "cm")) == Q("2.00", "cm2")
    assert divide(Q("1", "g/cm3"), Q("1", "g/cm3")) == Q("1", "1")
    assert divide(Q("10", "mg"), Q("2", "kg")) == Q("5", "mg/kg")
    assert divide(Q("1", "g"), Q("0", "g")) is None
    assert add(Q("1", "g"), Q("500", "mg")) == Q("1.5", "g")


def test_ratio_equality_and_equivalence() -> None:
    half = Ratio(Q("1", "cm"), Q("2", "cm"))
    assert half.cql_equal(Ratio(Q("1", "cm"), Q("2", "cm"))) is True
    assert half.cql_equal(Ratio(Q("2", "cm"), Q("4", "cm"))) is False
    assert half.cql_equivalent(Ratio(Q("2", "cm"), Q("4", "cm"))) is True
    assert str(Q("125", "cm")) == "125 'cm'"
