"""The operator families through real CQL: translated by the reference translator, run by the engine."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

import pytest

from call0603.cql import Engine
from call0603.cql.datatypes.datetime import Date, DateTime
from call0603.cql.datatypes.interval import Interval
from call0603.cql.datatypes.quantity import Quantity
from call0603.cql.runtime.errors import CqlRuntimeError
from call0603.translator import PACKAGE_OPTIONS, translate

NOW = DateTime((2024, 2, 29, 23, 30, 0, 0), Decimal(-5))

CQL = """library Ops version '1.0.0'
define AncAtThreshold: 0.5 '10*3/uL' >= 500 '/uL'
define AncBelowThreshold: 0.499 '10*3/uL' >= 500 '/uL'
define AncAsGigaPerLitre: 0.5 '10*3/uL' = 0.5 '10*9/L'
define KelvinPerMicrolitre: 1 'K/uL' = 1000 '/uL'
define GramsPlusMilligrams: 1 'g' + 500 'mg'
define DosePerArea: 375 'mg' / 1.5 'm2'
define MonthsAtMonthEnd: months between @2021-10-30 and @2024-02-29
define DayAfterLeapYear: @2024-02-29 + 1 year
define MonthEndClamp: @2024-01-31 + 1 month
define UncertainMonthsAbove: months between DateTime(2005) and DateTime(2006, 7) > 5
define UncertainMonthsStraddle: months between DateTime(2005) and DateTime(2006, 2) > 5
define IntegerOverflow: 2147483647 + 1
define LongOverflow: 9223372036854775807L + 1L
define DecimalScale: 10.0 / 3.0
define LiteralTakesRequestOffset: @2024-02-29T10:00
define TodayFromNow: Today()
define DayInInterval: @2024-02-15 in Interval[@2024-02-01, @2024-03-01)
define DayAtOpenEnd: @2024-03-01 in Interval[@2024-02-01, @2024-03-01)
define OverlapWithDay: Interval[@2024-01-01, @2024-01-31] overlaps day of Interval[@2024-01-31, @2024-02-10]
define UnionMeeting: Interval[1, 5] union Interval[6, 10]
define ExceptTail: Interval[1, 10] except Interval[5, 15]
define Collapsed: collapse { Interval[1, 3], Interval[2, 5], Interval[8, 9] }
define PastMaxDate: DateTime(9999, 12, 31) + 1 day
define Replaced: ReplaceMatches('dose 12 mg', '(\\\\d+)', '[$1]')
define Positions: PositionOf('mg', 'dose 12 mg')
"""


@lru_cache(maxsize=1)
def _engine() -> Engine:
    translation = translate({"Ops": CQL}, options=PACKAGE_OPTIONS)["Ops"]
    assert translation.elm is not None and not translation.errors, translation.errors
    return Engine([translation.elm])


def _run(name: str) -> Any:
    return _engine().evaluate("Ops", now=NOW, expressions=[name])[name]


@pytest.mark.parametrize("name, expected", [
    ("AncAtThreshold", True),
    ("AncBelowThreshold", False),
    ("AncAsGigaPerLitre", True),
    ("KelvinPerMicrolitre", None),
    ("MonthsAtMonthEnd", 27),
    ("UncertainMonthsAbove", True),
    ("UncertainMonthsStraddle", None),
    ("IntegerOverflow", None),
    ("LongOverflow", None),
    ("DecimalScale", Decimal("3.33333333")),
    ("DayInInterval", True),
    ("DayAtOpenEnd", False),
    ("OverlapWithDay", True),
    ("Positions", 8),
    ("Replaced", "dose [12] mg"),
])
def test_value(name: str, expected: Any) -> None:
    assert _run(name) == expected


def test_quantity_arithmetic_keeps_units() -> None:
    assert _run("GramsPlusMilligrams") == Quantity(Decimal("1.5"), "g")
    assert _run("DosePerArea") == Quantity(Decimal("250"), "mg/m2")


def test_calendar_arithmetic_clamps_to_month_end() -> None:
    assert _run("DayAfterLeapYear") == Date(2025, 2, 28)
    assert _run("MonthEndClamp") == Date(2024, 2, 29)


def test_time_comes_from_the_request_never_the_clock() -> None:
    assert _run("LiteralTakesRequestOffset") == DateTime((2024, 2, 29, 10, 0), Decimal(-5))
    assert _run("TodayFromNow") == Date(2024, 2, 29)


def test_interval_set_operations() -> None:
    assert _run("UnionMeeting") == Interval(1, 10)
    assert _run("ExceptTail") == Interval(1, 5, True, False)
    assert _run("Collapsed") == [Interval(1, 5), Interval(8, 9)]


def test_date_overflow_is_an_error() -> None:
    with pytest.raises(CqlRuntimeError):
        _run("PastMaxDate")
