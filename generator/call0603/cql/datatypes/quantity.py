"""CQL Quantity (a Decimal with a UCUM or calendar unit) and Ratio, compared and combined through UCUM conversion."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal
from typing import Any

from . import ucum
from .decimal import clamp_decimal, format_decimal

#: Calendar years and months are not the UCUM 'a' and 'mo' (365.25 and 30.4375 days): CQL compares them only
#: with each other (1 year = 12 months); against any other unit the answer is unknown for = and <, and
#: equivalence converts through UCUM.
_CALENDAR_MONTHS = {"year": 12, "years": 12, "month": 1, "months": 1}
#: For equivalence only, calendar years and months count as 365 and 30 days (as in date arithmetic), and the
#: UCUM 'a' and 'mo' stand for them.
_EQUIVALENT_DAYS = {"year": 365, "years": 365, "a": 365, "month": 30, "months": 30, "mo": 30}


def _calendar_months(unit: str) -> int | None:
    return _CALENDAR_MONTHS.get(unit)


def _format_unit(unit: str) -> str:
    return unit or "1"


@dataclass(slots=True, unsafe_hash=True)
class Quantity:
    """A CQL Quantity: an exact decimal value and its unit ('1' when dimensionless). Never changed once made
    (not frozen only because a frozen dataclass is twice as slow to build, and quantities are built per result)."""

    value: Decimal
    unit: str = "1"

    def __str__(self) -> str:
        return f"{format_decimal(self.value)} '{_format_unit(self.unit)}'"

    def __repr__(self) -> str:
        return f"{format_decimal(self.value)}'{_format_unit(self.unit)}'"

    def in_unit(self, unit: str) -> Decimal | None:
        """The value expressed in another unit, None when not convertible (invalid or incommensurable unit)."""
        if unit == self.unit:
            return self.value
        return ucum.convert(self.value, self.unit, unit)

    def _other_value(self, other: Quantity, strict: bool) -> Decimal | None:
        """The other's value in this unit (kept to scale 8); strict (= and <) refuses calendar years/months
        against other units."""
        mine, theirs = _calendar_months(self.unit), _calendar_months(other.unit)
        if mine is not None and theirs is not None:
            return other.value * theirs / mine
        if strict and (mine is not None or theirs is not None):
            return None
        converted = other.in_unit(self.unit)
        return None if converted is None else clamp_decimal(converted)

    def _common(self, other: Quantity, strict: bool) -> tuple[Decimal, Decimal] | None:
        """Both values in one unit, converting from the larger unit to the smaller so the factor is exact."""
        if other.unit == self.unit:
            return self.value, other.value
        route = _route(self.unit, other.unit)
        if route is _CALENDAR:
            value = self._other_value(other, strict)
            return None if value is None else (self.value, value)
        if route is _NO_ROUTE:
            return None
        forward, conversion = route
        return (self.value, conversion.apply(other.value)) if forward else (conversion.apply(self.value), other.value)

    def cql_compare(self, other: Any) -> int | None:
        """Ordering once both are in one unit; None when the units cannot be compared."""
        if not isinstance(other, Quantity):
            return None
        if other.unit == self.unit:
            a, b = self.value, other.value
        else:
            both = self._common(other, strict=True)
            if both is None:
                return None
            a, b = both
        return (a > b) - (a < b)

    def cql_equal(self, other: Any) -> bool | None:
        """CQL `=`: equal values once converted; None when the units cannot be compared."""
        cmp = self.cql_compare(other)
        return None if cmp is None else cmp == 0

    def cql_equivalent(self, other: Any) -> bool:
        """CQL `~`: equal values once converted (calendar durations convert through UCUM); false otherwise."""
        if not isinstance(other, Quantity):
            return False
        calendar = (_calendar_months(self.unit), _calendar_months(other.unit))
        if calendar.count(None) == 1:
            mine, theirs = _in_days(self), _in_days(other)
            if mine is not None and theirs is not None:
                return clamp_decimal(mine) == clamp_decimal(theirs)
        both = self._common(other, strict=False)
        return both is not None and clamp_decimal(both[0]) == clamp_decimal(both[1])

    def with_value(self, value: Decimal | None) -> Quantity | None:
        """A quantity of the same unit with another value (kept to scale 8); None when the value is None or overflows."""
        if value is None:
            return None
        kept = clamp_decimal(value)
        return None if kept is None else Quantity(kept, self.unit)


_CALENDAR: Any = "calendar"
_NO_ROUTE: Any = "none"


@lru_cache(maxsize=4096)
def _route(mine: str, theirs: str) -> Any:
    """How a quantity in `mine` meets one in `theirs`: through calendar months, not at all, or (True, conversion of
    theirs to mine) when that factor is at least 1, else (False, conversion of mine to theirs): always from the
    larger unit to the smaller, so the factor is exact."""
    if _calendar_months(mine) is not None or _calendar_months(theirs) is not None:
        return _CALENDAR
    forward = ucum.conversion(theirs, mine)
    if forward is None:
        return _NO_ROUTE
    if forward.scale >= 1:
        return (True, forward)
    backward = ucum.conversion(mine, theirs)
    return _NO_ROUTE if backward is None else (False, backward)


def _in_days(quantity: Quantity) -> Decimal | None:
    """A time quantity in days, calendar years and months as 365 and 30 days; None for other units."""
    days = _EQUIVALENT_DAYS.get(quantity.unit)
    if days is not None:
        return quantity.value * days
    return ucum.convert(quantity.value, quantity.unit, "d")


@dataclass(frozen=True, slots=True)
class Ratio:
    """A CQL Ratio of two quantities."""

    numerator: Quantity
    denominator: Quantity

    def __str__(self) -> str:
        return f"{self.numerator}:{self.denominator}"

    def cql_compare(self, other: Any) -> int | None:
        """Ratios have no order."""
        return None

    def cql_equal(self, other: Any) -> bool | None:
        """CQL `=`: numerators equal and denominators equal."""
        if not isinstance(other, Ratio):
            return False
        top = self.numerator.cql_equal(other.numerator)
        bottom = self.denominator.cql_equal(other.denominator)
        if top is False or bottom is False:
            return False
        return None if top is None or bottom is None else True

    def cql_equivalent(self, other: Any) -> bool:
        """CQL `~`: the two ratios are the same quantity (1:2 ~ 2:4)."""
        if not isinstance(other, Ratio):
            return False
        left = divide(self.numerator, self.denominator)
        right = divide(other.numerator, other.denominator)
        return left is not None and right is not None and left.cql_equivalent(right)


def add(a: Quantity, b: Quantity, sign: int = 1) -> Quantity | None:
    """a + b (or a - b with sign -1) in a's unit; None when b cannot be converted to it."""
    theirs = a._other_value(b, strict=False)
    if theirs is None:
        return None
    return a.with_value(a.value + sign * theirs)


def multiply(a: Quantity, b: Quantity) -> Quantity | None:
    """a * b with the product unit; None when a unit is invalid."""
    unit = _product_unit(a.unit, b.unit, divide=False)
    if unit is None:
        return None
    value = clamp_decimal(a.value * b.value)
    return None if value is None else Quantity(value, unit)


def divide(a: Quantity, b: Quantity) -> Quantity | None:
    """a / b with the quotient unit ('1' for like units); None on division by zero or an invalid unit."""
    if b.value == 0:
        return None
    unit = _product_unit(a.unit, b.unit, divide=True)
    if unit is None:
        return None
    value = clamp_decimal(a.value / b.value)
    return None if value is None else Quantity(value, unit)


def _product_unit(left: str, right: str, divide: bool) -> str | None:
    if right in ("1", "") and left in ("1", ""):
        return "1"
    if right in ("1", ""):
        return left
    if left == right and divide:
        return "1"
    return ucum.multiply(ucum.ucum_code(left), ucum.ucum_code(right), divide)


def scale(a: Quantity, factor: Decimal) -> Quantity | None:
    """a * factor (a Decimal or Integer), unit kept."""
    return a.with_value(a.value * factor)
