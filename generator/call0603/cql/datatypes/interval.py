"""CQL Interval: two boundaries of one point type, each open or closed; a null boundary is unknown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import points


class Interval:
    """Interval[low, high] with closedness flags; `start()`/`end()` give the closed points the interval covers.

    A null boundary stays null in the value. Closed, it stands for the least (or greatest) value of the point type
    (`point`, else the other boundary's type): the interval is unbounded on that side. Open, it is unknown."""

    __slots__ = ("low", "high", "low_closed", "high_closed", "point")

    def __init__(self, low: Any, high: Any, low_closed: bool = True, high_closed: bool = True,
                 point: str | None = None) -> None:
        self.low = low
        self.high = high
        self.low_closed = low_closed
        self.high_closed = high_closed
        self.point = point

    def start(self) -> Any:
        """The first point in the interval (the low, or its successor when open); None when unknown."""
        low = self.low
        if low is None:
            kind = self.point_type() if self.low_closed else None
            return None if kind is None else points.min_value(kind, getattr(self.high, "offset", None))
        return low if self.low_closed else points.successor(low)

    def end(self) -> Any:
        """The last point in the interval (the high, or its predecessor when open); None when unknown."""
        high = self.high
        if high is None:
            kind = self.point_type() if self.high_closed else None
            return None if kind is None else points.max_value(kind, getattr(self.low, "offset", None))
        return high if self.high_closed else points.predecessor(high)

    def point_type(self) -> str | None:
        """The CQL name of the point type: as declared, else read from a boundary (None when unknown)."""
        return self.point or points.type_name(self.low if self.low is not None else self.high)

    def cql_compare(self, other: Any) -> int | None:
        """Intervals have no order."""
        return None

    def cql_equal(self, other: Any) -> bool | None:
        """CQL `=`: same start and same end (open and closed boundaries normalised)."""
        if not isinstance(other, Interval):
            return False
        starts = points.equal(self.start(), other.start())
        ends = points.equal(self.end(), other.end())
        if starts is False or ends is False:
            return False
        return None if starts is None or ends is None else True

    def cql_equivalent(self, other: Any) -> bool:
        """CQL `~`: equivalent starts and ends (null boundaries equivalent to each other)."""
        if not isinstance(other, Interval):
            return False
        return _equivalent_point(self.start(), other.start()) and _equivalent_point(self.end(), other.end())

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Interval)
            and self.low == other.low
            and self.high == other.high
            and self.low_closed == other.low_closed
            and self.high_closed == other.high_closed
        )

    def __hash__(self) -> int:
        return hash((self.low, self.high, self.low_closed, self.high_closed))

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        low, high = _literal(self.low), _literal(self.high)
        return f"Interval{'[' if self.low_closed else '('}{low}, {high}{']' if self.high_closed else ')'}"


def _literal(point: Any) -> str:
    """A boundary as CQL text: numbers plainly, value types by their literal form."""
    if point is None:
        return "null"
    if type(point) in (int, Decimal):
        return str(point)
    return repr(point)


def _equivalent_point(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    method = getattr(a, "cql_equivalent", None)
    if method is not None:
        return bool(method(b))
    return points.equal(a, b) is True
