"""Uncertainty: an integer known only to lie in a closed range (durations between imprecise date/times)."""

from __future__ import annotations

from typing import Any

from ..runtime.errors import CqlRuntimeError
from .interval import Interval


class Uncertainty(Interval):
    """A range [low, high] of possible integer values; comparisons answer null when the range straddles."""

    __slots__ = ()

    def __init__(self, low: int, high: int) -> None:
        super().__init__(low, high, True, True)

    @staticmethod
    def of(low: int, high: int) -> int | Uncertainty:
        """The plain integer when low == high, else the uncertainty."""
        return low if low == high else Uncertainty(min(low, high), max(low, high))

    @staticmethod
    def bounds(value: Any) -> tuple[int, int]:
        """(low, high) of an Integer or an Uncertainty."""
        if isinstance(value, Uncertainty):
            return value.low, value.high
        return value, value

    def cql_compare(self, other: Any) -> int | None:
        """-1/1 when every possible value is below/above the other; 0 when both are one same point; else None."""
        if not isinstance(other, (int, Uncertainty)):
            return None
        lo, hi = Uncertainty.bounds(other)
        if self.high < lo:
            return -1
        if self.low > hi:
            return 1
        if self.low == self.high == lo == hi:
            return 0
        return None

    def cql_equal(self, other: Any) -> bool | None:
        """False when the ranges cannot meet, else unknown (None)."""
        if isinstance(other, Interval) and not isinstance(other, Uncertainty):
            return super().cql_equal(other)
        cmp = self.cql_compare(other)
        return None if cmp is None else cmp == 0

    def _order(self, other: Any, sure: Any, impossible: Any) -> bool | None:
        if not isinstance(other, (int, Uncertainty)):
            return None
        lo, hi = Uncertainty.bounds(other)
        if sure(self.low, self.high, lo, hi):
            return True
        return False if impossible(self.low, self.high, lo, hi) else None

    # Python's comparison operators answer CQL's three-valued ones, so `uncertain > 5` is true, false or None.
    def __lt__(self, other: Any) -> bool | None:  # type: ignore[override]
        return self._order(other, lambda l, h, ol, oh: h < ol, lambda l, h, ol, oh: l >= oh)

    def __le__(self, other: Any) -> bool | None:
        return self._order(other, lambda l, h, ol, oh: h <= ol, lambda l, h, ol, oh: l > oh)

    def __gt__(self, other: Any) -> bool | None:
        return self._order(other, lambda l, h, ol, oh: l > oh, lambda l, h, ol, oh: h <= ol)

    def __ge__(self, other: Any) -> bool | None:
        return self._order(other, lambda l, h, ol, oh: l >= oh, lambda l, h, ol, oh: h < ol)

    def cql_equivalent(self, other: Any) -> bool:
        """Equivalent only to the same range."""
        return isinstance(other, Interval) and self.low == other.low and self.high == other.high


def combine(op: str, a: Any, b: Any) -> Any:
    """a + b, a - b or a * b where either is an Uncertainty: the range of all results."""
    (al, ah), (bl, bh) = Uncertainty.bounds(a), Uncertainty.bounds(b)
    if op == "+":
        return Uncertainty.of(al + bl, ah + bh)
    if op == "-":
        return Uncertainty.of(al - bh, ah - bl)
    if op == "*":
        products = (al * bl, al * bh, ah * bl, ah * bh)
        return Uncertainty.of(min(products), max(products))
    raise CqlRuntimeError(f"operator {op} is not defined for uncertain durations")
