"""Date, DateTime and Time: parsing, precision-aware comparison, calendar arithmetic, durations and differences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.cql.datatypes.datetime import (
    DAY, HOUR, MILLISECOND, MINUTE, MONTH, SECOND, WEEK, YEAR,
    Date, DateTime, Time, difference_between, duration_between, high_boundary, low_boundary, predecessor, successor,
)
from call0603.cql.runtime.errors import CqlRuntimeError

dt = DateTime.parse


@pytest.mark.parametrize("text, parts, offset", [
    ("2012", (2012,), None),
    ("2012-02", (2012, 2), None),
    ("2012-02-29", (2012, 2, 29), None),
    ("2012-02-29T10", (2012, 2, 29, 10), None),
    ("2012-02-29T10:30", (2012, 2, 29, 10, 30), None),
    ("2012-02-29T10:30:59Z", (2012, 2, 29, 10, 30, 59), Decimal(0)),
    ("2012-02-29T10:30:59.1+05:30", (2012, 2, 29, 10, 30, 59, 100), Decimal("5.5")),
    ("2012-02-29T10:30:59.123456-07:00", (2012, 2, 29, 10, 30, 59, 123), Decimal(-7)),
])
def test_parse_fhir_datetime(text: str, parts: tuple, offset: Decimal | None) -> None:
    value = dt(text)
    assert value is not None and value.parts == parts and value.offset == offset


@pytest.mark.parametrize("text", ["2013-02-29", "2012-13", "201", "2012-01-01T25:00", "2012-01-01T10:00+5", "x", "2012-01-01T10:61"])
def test_parse_rejects_malformed(text: str) -> None:
    assert dt(text) is None


def test_default_offset_applies_only_when_text_has_none() -> None:
    assert dt("2012-01-01T10:00", Decimal(-5)).offset == Decimal(-5)
    assert dt("2012-01-01T10:00Z", Decimal(-5)).offset == Decimal(0)


def test_comparison_across_precision_is_unknown_only_when_shared_parts_equal() -> None:
    assert DateTime((2014,)).cql_compare(DateTime((2014, 2, 15))) is None
    assert DateTime((2015,)).cql_compare(DateTime((2014, 2, 15))) == 1
    assert DateTime((2014, 10)).cql_equal(DateTime((2014, 10, 12))) is None
    assert DateTime((2014, 10)).cql_equivalent(DateTime((2014, 10, 12))) is False


def test_seconds_against_milliseconds_is_unknown_in_comparisons_but_not_in_durations() -> None:
    assert dt("2012-01-01T10:00:00").cql_equal(dt("2012-01-01T10:00:00.000")) is None
    assert Time(12, 0, 0).cql_compare(Time(12, 0, 0, 1)) is None
    assert duration_between(dt("2012-01-01T10:00:00"), dt("2012-01-01T10:00:01.000"), SECOND) == 1


def test_offsets_are_normalised_for_hour_precision_and_finer() -> None:
    assert dt("2012-03-10T10:20:00.999+07:00").compare_at(dt("2012-03-10T09:20:00.999+06:00"), HOUR) == 0
    assert dt("2012-03-10T10:20:00.999+07:00").compare_at(dt("2012-03-10T10:20:00.999+06:00"), HOUR) == -1
    assert dt("2022-02-22T00:00:00.000-05:00").compare_at(dt("2022-02-22T04:59:00.000Z"), DAY) == 0


@pytest.mark.parametrize("start, value, unit, expected", [
    (DateTime((2012, 2, 29)), 1, YEAR, "2013-02-28"),
    (DateTime((2012, 1, 31)), 1, MONTH, "2012-02-29"),
    (DateTime((2005, 5, 10)), 10, MONTH, "2006-03-10"),
    (DateTime((2023, 3, 2)), 52, WEEK, "2024-02-29"),
    (DateTime((2016, 6, 10, 5)), 19, HOUR, "2016-06-11T00"),
    (DateTime((2005, 5, 10)), 25, HOUR, "2005-05-11"),
    (DateTime((2014,)), 735, DAY, "2016"),
    (DateTime((2016, 5)), -31535999, SECOND, "2015-05"),
    (Date(2014, 6), 33, DAY, "2014-07"),
    (Date(2014), -25, MONTH, "2012"),
    (Time(15, 59, 59, 999), 1, MILLISECOND, "16:00:00.000"),
])
def test_calendar_arithmetic_truncates_to_precision_and_clamps_month_ends(start, value, unit, expected) -> None:
    assert start.add(value, unit).literal() == expected


def test_arithmetic_out_of_range_is_an_error() -> None:
    with pytest.raises(CqlRuntimeError):
        DateTime((2005, 10, 10)).add(8000, YEAR)
    with pytest.raises(CqlRuntimeError):
        successor(DateTime((9999, 12, 31, 23, 59, 59, 999)))
    with pytest.raises(CqlRuntimeError):
        predecessor(Time(0, 0, 0, 0))


def test_successor_and_predecessor_step_at_own_precision() -> None:
    assert successor(DateTime((2000, 1, 1))).literal() == "2000-01-02"
    assert predecessor(Time(12, 0, 0, 0)).literal() == "11:59:59.999"
    assert predecessor(Date(2000, 3)).literal() == "2000-02"


@pytest.mark.parametrize("a, b, unit, expected", [
    (Date(2021, 10, 30), Date(2024, 2, 29), MONTH, 27),
    (Date(2014, 1, 31), Date(2014, 2, 1), MONTH, 0),
    (Date(2012, 3, 10), Date(2013, 3, 10), YEAR, 1),
    (DateTime((2005,)), DateTime((2010,)), YEAR, (4, 5)),
    (DateTime((2005, 5)), DateTime((2010, 4)), YEAR, 4),
    (DateTime((2005,)), DateTime((2006, 5)), MONTH, (4, 16)),
    (DateTime((2015, 2, 10)), DateTime((2015, 3)), DAY, (18, 49)),
    (DateTime((2010, 10, 12, 12, 5)), DateTime((2008, 8, 15, 8, 8)), DAY, -788),
    (dt("2017-03-12T00:00:00-07:00"), dt("2017-03-13T00:00:00-06:00"), DAY, 0),
    (dt("2017-03-12T01:00:00-07:00"), dt("2017-03-12T03:00:00-06:00"), HOUR, 1),
    (dt("2012-03-10T22:05:09"), dt("2012-03-24T07:19:33"), WEEK, 1),
    (Time(23, 25, 10, 556), Time(23, 25, 15, 555), SECOND, 4),
])
def test_duration_between(a, b, unit, expected) -> None:
    assert duration_between(a, b, unit) == expected


@pytest.mark.parametrize("a, b, unit, expected", [
    (DateTime((2000, 10, 15)), DateTime((2000, 10, 28)), WEEK, 1),
    (dt("2012-03-10T22:05:09"), dt("2012-03-24T07:19:33"), WEEK, 2),
    (dt("2017-03-12T00:00:00-07:00"), dt("2017-03-13T00:00:00-06:00"), DAY, 1),
    (dt("2017-11-05T01:30:00-06:00"), dt("2017-11-05T01:15:00-07:00"), MINUTE, 45),
    (DateTime((2000,)), DateTime((2005, 12)), YEAR, 5),
    (DateTime((2005,)), DateTime((2006, 7)), MONTH, (7, 18)),
])
def test_difference_between(a, b, unit, expected) -> None:
    assert difference_between(a, b, unit) == expected


def test_boundaries() -> None:
    assert high_boundary(DateTime((2014, 1, 1, 8)), MILLISECOND).literal() == "2014-01-01T08:59:59.999"
    assert low_boundary(Date(2014), MONTH).literal() == "2014-01"
    assert high_boundary(Date(2016, 2), DAY).literal() == "2016-02-29"


def test_string_forms() -> None:
    assert str(DateTime((2000, 1, 1, 8, 25, 25, 300), Decimal(-7))) == "2000-01-01T08:25:25.300-07:00"
    assert str(DateTime((2000, 1, 1), Decimal(-7))) == "2000-01-01"
    assert repr(DateTime((2012, 4, 4))) == "@2012-04-04T"
    assert str(Time(9, 30, 1, 3)) == "09:30:01.003"
