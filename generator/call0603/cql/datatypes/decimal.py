"""CQL Decimal rules over `decimal.Decimal`: precision 28, scale 8, half-up rounding, range and step."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

#: Arithmetic context: 28 significant digits is CQL's precision; results are then kept to scale 8.
CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP, Emax=999999, Emin=-999999)
#: The step between two adjacent decimals (scale 8).
STEP = Decimal("0.00000001")
MAX_DECIMAL = Decimal("99999999999999999999.99999999")
MIN_DECIMAL = -MAX_DECIMAL
MAX_INTEGER = 2**31 - 1
MIN_INTEGER = -(2**31)
MAX_LONG = 2**63 - 1
MIN_LONG = -(2**63)
_SCALE = -8


def _exponent(value: Decimal) -> int:
    """The exponent of a Decimal (-2 for 1.25), read from its text when that is plain notation (as_tuple, which
    lists every digit, is six times slower)."""
    text = str(value)
    if "E" in text or not value.is_finite():
        return value.as_tuple().exponent  # type: ignore[return-value]
    point = text.find(".")
    return 0 if point < 0 else point + 1 - len(text)


def clamp_decimal(value: Decimal) -> Decimal | None:
    """The value kept to scale 8 (rounded half up), or None outside CQL's Decimal range (NaN and infinities too)."""
    if not value.is_finite():
        return None
    try:
        if _exponent(value) < _SCALE:
            value = value.quantize(STEP, context=CONTEXT)
    except InvalidOperation:
        return None
    if value > MAX_DECIMAL or value < MIN_DECIMAL:
        return None
    return value


def integer_in_range(value: int) -> int | None:
    """The value when it fits a 32-bit CQL Integer, else None (overflow is null)."""
    return value if MIN_INTEGER <= value <= MAX_INTEGER else None


def to_decimal(value: int | Decimal) -> Decimal:
    """An Integer, Long or Decimal as a Decimal (CQL's implicit conversion)."""
    return value if type(value) is Decimal else Decimal(int(value))


def decimal_precision(value: Decimal) -> int:
    """The number of digits after the decimal point (CQL Precision of a Decimal)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def format_decimal(value: Decimal) -> str:
    """Plain notation, never exponent notation (1E+3 → 1000)."""
    return format(value, "f")
