"""Interval operators: closed/open boundaries, null boundaries, date/time precision, set operations, expand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql.datatypes.datetime import DAY, Date, DateTime, Time
from call0603.cql.datatypes.decimal import MAX_INTEGER, MIN_INTEGER
from call0603.cql.datatypes.interval import Interval
from call0603.cql.datatypes.quantity import Quantity
from call0603.cql.elm import interval as iv
from call0603.cql.runtime.errors import CqlRuntimeError

D = Decimal


def test_open_and_closed_boundaries() -> None:
    assert Interval(1, 5).cql_equal(Interval(1, 6, True, False)) is True
    assert iv.contains(Interval(1, 10, True, False), 10) is False
    assert iv.contains(Interval(D("1.0"), D("10.0"), False, True), D("1.00000001")) is True
    assert Interval(D(1), D(2), False, True).start() == D("1.00000001")


def test_null_boundaries() -> None:
    assert iv.contains(Interval(None, 5, False, True), 10) is False
    assert iv.contains(Interval(None, 5, False, True), 3) is None
    assert iv.contains(None, 5) is False and iv.contains(Interval(1, 10), None) is None
    assert iv.includes(Interval(None, None), Interval(1, 10)) is True
    assert iv._typed(Interval(None, None), 5) == Interval(MIN_INTEGER, MAX_INTEGER)
    assert iv.meets_after(Interval(None, 5, False, True), Interval(11, None, True, False)) is False


def test_date_time_precision() -> None:
    day = DAY
    jan31 = DateTime((2024, 1, 31, 23, 0))
    assert iv.overlaps(Interval(DateTime((2024, 1, 1)), jan31), Interval(DateTime((2024, 1, 31, 1)), DateTime((2024, 2, 10))), day) is True
    assert iv.contains(Interval(Date(2024, 2, 1), Date(2024, 3, 1)), Date(2024, 2)) is None
    assert iv.proper_contains(Interval(Time(12, 0, 0, 1), Time(21, 59, 59, 999)), Time(12, 0, 0)) is None
    assert iv.before(Interval(Date(2012, 1, 1), Date(2013, 1, 1)), Date(2014, 1, 1)) is True


@pytest.mark.parametrize("a, b, union, intersect, except_", [
    (Interval(1, 5), Interval(6, 10), Interval(1, 10), None, Interval(1, 5)),
    (Interval(1, 10), Interval(5, 15), Interval(1, 15), Interval(5, 10), Interval(1, 5, True, False)),
    (Interval(1, 10), Interval(3, 7), Interval(1, 10), Interval(3, 7), None),
    (Interval(1, 3), Interval(8, 9), None, None, Interval(1, 3)),
])
def test_set_operations(a, b, union, intersect, except_) -> None:
    assert iv.union(a, b) == union
    assert iv.intersect(a, b) == intersect
    assert iv.except_(a, b) == except_


def test_measures() -> None:
    assert iv.width(Interval(1, 10)) == 9 and iv.size(Interval(1, 10)) == 10
    assert iv.size(Interval(D("1.0"), D("2.0"))) == D("1.00000001")
    assert iv.width(Interval(Quantity(D(5), "g"), Quantity(D(10), "g"))) == Quantity(D(5), "g")
    with pytest.raises(CqlRuntimeError):
        iv.width(Interval(Date(2012, 1, 5), Date(2012, 1, 25)))
    with pytest.raises(CqlRuntimeError):
        iv.point_from(Interval(1, 2))


def test_collapse_and_expand() -> None:
    assert iv.collapse([Interval(8, 9), None, Interval(1, 3), Interval(4, 5)]) == [Interval(1, 5), Interval(8, 9)]
    assert iv.expand([Interval(1, 10, True, False)], Quantity(D(2), "1")) == [Interval(1, 2), Interval(3, 4), Interval(5, 6), Interval(7, 8)]
    assert iv.expand(Interval(Date(2018, 1, 1), Date(2018, 1, 4)), Quantity(D(2), "days")) == [Date(2018, 1, 1), Date(2018, 1, 3)]
    assert iv.expand(Interval(D(10), D(10)), Quantity(D("0.1"), "1"))[-1] == D("10.9")
    assert iv.expand([Interval(Time(10), Time(10))], Quantity(D(1), "minute")) == []
