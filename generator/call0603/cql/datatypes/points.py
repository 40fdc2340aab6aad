"""Point-type helpers shared by intervals and arithmetic: ordering, equality, successor, predecessor, min and max."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import datetime as dt
from .decimal import MAX_DECIMAL, MAX_INTEGER, MAX_LONG, MIN_DECIMAL, MIN_INTEGER, MIN_LONG, STEP
from ..runtime.errors import CqlRuntimeError
from .long import Long
from .quantity import Quantity

_NUMBERS = (int, Decimal, Long, bool)


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 ordering of two non-null points of one type; None when unknown (precision, units)."""
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        return (a > b) - (a < b)
    if type(a) is str and type(b) is str:
        return (a > b) - (a < b)
    method = getattr(a, "cql_compare", None)
    if method is not None:
        return method(b)
    other = getattr(b, "cql_compare", None)
    if other is not None:
        result = other(a)
        return None if result is None else -result
    return None


def equal(a: Any, b: Any) -> bool | None:
    """CQL `=` of two points, null-propagating."""
    if a is None or b is None:
        return None
    if type(a) in _NUMBERS and type(b) in _NUMBERS or type(a) is str:
        return a == b
    method = getattr(a, "cql_equal", None)
    return method(b) if method is not None else a == b


def successor(value: Any) -> Any:
    """The next value of the point type (Integer +1, Decimal +1e-8, date/time +1 at its precision); error past max."""
    return _step(value, 1)


def predecessor(value: Any) -> Any:
    """The previous value of the point type; error below min."""
    return _step(value, -1)


def _step(value: Any, by: int) -> Any:
    kind = type(value)
    if kind is int:
        result = value + by
        if not MIN_INTEGER <= result <= MAX_INTEGER:
            raise CqlRuntimeError("Integer overflow in successor/predecessor")
        return result
    if kind is Long:
        result = value + by
        if not MIN_LONG <= result <= MAX_LONG:
            raise CqlRuntimeError("Long overflow in successor/predecessor")
        return Long(result)
    if kind is Decimal:
        result = value + by * STEP
        if not MIN_DECIMAL <= result <= MAX_DECIMAL:
            raise CqlRuntimeError("Decimal overflow in successor/predecessor")
        return result
    if kind is Quantity:
        return Quantity(_step(value.value, by), value.unit)
    if isinstance(value, (dt.Date, dt.DateTime, dt.Time)):
        return dt.successor(value) if by > 0 else dt.predecessor(value)
    raise CqlRuntimeError(f"no successor/predecessor for {kind.__name__}")


def min_value(kind: str, offset: Decimal | None = None) -> Any:
    """The least value of a point type by CQL name (Integer, Long, Decimal, Date, DateTime, Time), None if none."""
    return _LIMITS[kind][0](offset) if kind in _LIMITS else None


def max_value(kind: str, offset: Decimal | None = None) -> Any:
    """The greatest value of a point type by CQL name, None if it has none."""
    return _LIMITS[kind][1](offset) if kind in _LIMITS else None


_LIMITS = {
    "Integer": (lambda o: MIN_INTEGER, lambda o: MAX_INTEGER),
    "Long": (lambda o: Long(MIN_LONG), lambda o: Long(MAX_LONG)),
    "Decimal": (lambda o: MIN_DECIMAL, lambda o: MAX_DECIMAL),
    "Date": (lambda o: dt.MIN_DATE, lambda o: dt.MAX_DATE),
    "DateTime": (dt.min_datetime, dt.max_datetime),
    "Time": (lambda o: dt.MIN_TIME, lambda o: dt.MAX_TIME),
}


def type_name(value: Any) -> str | None:
    """The CQL point type name of a value (Integer, Long, Decimal, Quantity, Date, DateTime, Time), else None."""
    kind = type(value)
    if kind is int:
        return "Integer"
    return {Long: "Long", Decimal: "Decimal", Quantity: "Quantity", dt.Date: "Date", dt.DateTime: "DateTime", dt.Time: "Time"}.get(kind)
