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
