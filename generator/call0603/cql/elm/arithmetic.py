"""Arithmetic operators over Integer, Long, Decimal, Quantity and date/time + Quantity, with CQL overflow rules."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Callable

from ..datatypes import datetime as dt
from ..datatypes import points
from ..datatypes import quantity as q
from ..datatypes.decimal import CONTEXT, clamp_decimal, decimal_precision, integer_in_range
from ..datatypes.long import Long, long_in_range
from ..datatypes.quantity import Quantity
from ..datatypes.uncertainty import Uncertainty, combine
from ..runtime.errors import CqlRuntimeError
from ..runtime.types import named
from .operands import binary, operands, unary
from .literal import emit_literal, signed_integer_literal
from .registry import Compiled, Compiler, compiles, emits

_TEMPORAL = (dt.Date, dt.DateTime, dt.Time)


def _integral(a: Any, b: Any, result: int) -> int | Long | None:
    """An integer result as Long when an operand is Long, range-checked (overflow is null)."""
    if type(a) is Long or type(b) is Long:
        return long_in_range(result)
    return integer_in_range(result)


def _is_int(value: Any) -> bool:
    return type(value) is int or type(value) is Long


def _temporal_shift(value: Any, amount: Quantity, sign: int) -> Any:
    unit = dt.precision_index(amount.unit)
    return value.add(sign * amount.value, unit)  # type: ignore[operator]


def add(a: Any, b: Any) -> Any:
    """a + b for numbers, quantities (converted to a's unit), date/time + quantity and uncertain durations."""
    if a is None or b is None:
        return None
    if _is_int(a) and _is_int(b):
        return _integral(a, b, a + b)
    if type(a) is Decimal or type(b) is Decimal:
        return clamp_decimal(a + b)
    if isinstance(a, Uncertainty) or isinstance(b, Uncertainty):
        return combine("+", a, b)
    if type(a) is Quantity:
        return q.add(a, b)
    if isinstance(a, _TEMPORAL):
        return _temporal_shift(a, b, 1)
    raise CqlRuntimeError(f"cannot add {type(a).__name__} and {type(b).__name__}")


def subtract(a: Any, b: Any) -> Any:
    """a - b for numbers, quantities, date/time - quantity and uncertain durations."""
    if a is None or b is None:
        return None
    if _is_int(a) and _is_int(b):
        return _integral(a, b, a - b)
    if type(a) is Decimal or type(b) is Decimal:
        return clamp_decimal(a - b)
    if isinstance(a, Uncertainty) or isinstance(b, Uncertainty):
        return combine("-", a, b)
    if type(a) is Quantity:
        return q.add(a, b, -1)
    if isinstance(a, _TEMPORAL):
        return _temporal_shift(a, b, -1)
    raise CqlRuntimeError(f"cannot subtract {type(b).__name__} from {type(a).__name__}")


def multiply(a: Any, b: Any) -> Any:
    """a * b; quantities multiply their units; a number scales a quantity."""
    if a is None or b is None:
        return None
    if _is_int(a) and _is_int(b):
        return _integral(a, b, a * b)
    if type(a) is Quantity:
        return q.multiply(a, b) if type(b) is Quantity else q.scale(a, b)
    if type(b) is Quantity:
        return q.scale(b, a)
    if isinstance(a, Uncertainty) or isinstance(b, Uncertainty):
        return combine("*", a, b)
    return clamp_decimal(Decimal(a) * Decimal(b))


def divide(a: Any, b: Any) -> Any:
    """a / b as Decimal (null on division by zero); quantities divide their units."""
    if a is None or b is None:
        return None
    if isinstance(a, Uncertainty) or isinstance(b, Uncertainty):
        return combine("/", a, b)
    if type(a) is Quantity:
        if type(b) is Quantity:
            return q.divide(a, b)
        return None if b == 0 else a.with_value(a.value / Decimal(b))
    if b == 0:
        return None
    return clamp_decimal(Decimal(a) / Decimal(b))


def _same_unit(a: Quantity, b: Quantity) -> Decimal | None:
    return b.value if a.unit == b.unit else b.in_unit(a.unit)


def truncated_divide(a: Any, b: Any) -> Any:
    """a div b: the quotient truncated toward zero (null on division by zero)."""
    if a is None or b is None:
        return None
    if isinstance(a, Uncertainty) or isinstance(b, Uncertainty):
        return combine("div", a, b)
    if _is_int(a) and _is_int(b):
        if b == 0:
            return None
        quotient = abs(a) // abs(b)
        return _integral(a, b, quotient if (a >= 0) == (b >= 0) else -quotient)
    if type(a) is Quantity:
        divisor = _same_unit(a, b) if type(b) is Quantity else Decimal(b)
        if divisor is None or divisor == 0:
            return None
        return a.with_value((a.value / divisor).to_integral_value(rounding=ROUND_DOWN))
    if b == 0:
        return None
    return clamp_decimal((Decimal(a) / Decimal(b)).to_integral_value(rounding=ROUND_DOWN))


def modulo(a: Any, b: Any) -> Any:
    """a mod b: the remainder of truncated division, with the dividend's sign (null on division by zero)."""
    if a is None or b is None:
        return None
    if _is_int(a) and _is_int(b):
        if b == 0:
            return None
        return _integral(a, b, _int_remainder(a, b))
    if type(a) is Quantity:
        divisor = _same_unit(a, b) if type(b) is Quantity else Decimal(b)
        if divisor is None or divisor == 0:
            return None
        return a.with_value(a.value % divisor)
    if b == 0:
        return None
    return clamp_decimal(Decimal(a) % Decimal(b))


def _int_remainder(a: int, b: int) -> int:
    remainder = abs(a) % abs(b)
    return remainder if a >= 0 else -remainder


def negate(a: Any) -> Any:
    """-a (overflow is null)."""
    if _is_int(a):
        return _integral(a, a, -a)
    if type(a) is Quantity:
        return Quantity(-a.value, a.unit)
    return -a


def absolute(a: Any) -> Any:
    """|a| (overflow is null)."""
    if _is_int(a):
        return _integral(a, a, abs(a))
    if type(a) is Quantity:
        return Quantity(abs(a.value), a.unit)
    return abs(a)


def _to_integer(rounding: str) -> Callable[[Any], int | None]:
    def run(a: Any) -> int | None:
        if _is_int(a):
            return a
        return integer_in_range(int(Decimal(a).to_integral_value(rounding=rounding)))

    return run


def round_to(a: Any, places: Any = None) -> Decimal | None:
    """a rounded half away from zero to `places` decimals (default 0)."""
    if a is None:
        return None
    quantum = Decimal(1).scaleb(-(places or 0))
    try:
        return clamp_decimal(Decimal(a).quantize(quantum, rounding=ROUND_HALF_UP, context=CONTEXT))
    except InvalidOperation:
        return None


def ln(a: Any) -> Decimal | None:
    """Natural logarithm: error for 0, null for negatives."""
    value = Decimal(a)
    if value == 0:
        raise CqlRuntimeError("Ln(0) is undefined")
    if value < 0:
        return None
    return clamp_decimal(value.ln(CONTEXT))


def exp(a: Any) -> Decimal:
    """e to the power a; error when the result leaves the Decimal range."""
    result = Decimal(a).exp(CONTEXT)
    kept = clamp_decimal(result)
    if kept is None:
        raise CqlRuntimeError("Exp result out of the Decimal range")
    return kept


def log(a: Any, base: Any) -> Decimal | None:
    """Logarithm of a to a base: null for a non-positive argument or base, or base 1."""
    value, b = Decimal(a), Decimal(base)
    if value <= 0 or b <= 0 or b == 1:
        return None
    return clamp_decimal(value.ln(CONTEXT) / b.ln(CONTEXT))


_HALF = Decimal("0.5")
#: Enough digits to square a 34-digit root exactly.
_EXACT = Context(prec=2 * CONTEXT.prec + 2, Emax=CONTEXT.Emax, Emin=CONTEXT.Emin)


def _square_root(base: Decimal) -> Decimal:
    """base ^ 0.5 as `power` gives it, through the (40 times faster) square root: the same 34 correctly rounded
    digits when the root is inexact; an exact root goes through `power`, which writes it with 34 digits."""
    root = base.sqrt(CONTEXT)
    if _EXACT.multiply(root, root) == base:
        return CONTEXT.power(base, _HALF)
    return root


def power(a: Any, b: Any) -> Any:
    """a ^ b: integral for integers with a non-negative exponent, else Decimal (null when undefined)."""
    if _is_int(a) and _is_int(b):
        if b >= 0:
            if abs(a) > 1 and b > 64:
                return None
            return _integral(a, b, a**b)
        return None if a == 0 else clamp_decimal(Decimal(1) / (Decimal(a) ** -b))
    base, exponent = Decimal(a), Decimal(b)
    try:
        if exponent == exponent.to_integral_value():
            if abs(exponent) > 10_000:
                return None
            result = CONTEXT.power(base, int(exponent))
        elif base < 0:
            return None
        elif exponent == _HALF:
            result = _square_root(base)
        else:
            result = CONTEXT.power(base, exponent)
    except (InvalidOperation, ZeroDivisionError, OverflowError):
        return None
    return clamp_decimal(result)


_DATETIME_DIGITS = {dt.YEAR: 4, dt.MONTH: 6, dt.DAY: 8, dt.HOUR: 10, dt.MINUTE: 12, dt.SECOND: 14, dt.MILLISECOND: 17}
_TIME_DIGITS = {dt.HOUR: 2, dt.MINUTE: 4, dt.SECOND: 6, dt.MILLISECOND: 9}


def precision(a: Any) -> int:
    """Digits of precision: decimals after the point; date/time digits (year 4 … millisecond 17, Time 2 … 9)."""
    if type(a) is Decimal:
        return decimal_precision(a)
    if isinstance(a, dt.Time):
        return _TIME_DIGITS[a.precision]
    if isinstance(a, _TEMPORAL):
        return _DATETIME_DIGITS[a.precision]
    return 0


def _field_for_digits(value: Any, digits: int | None) -> int | None:
    table = _TIME_DIGITS if isinstance(value, dt.Time) else _DATETIME_DIGITS
    if digits is None:
        return value.LAST
    for field, count in sorted(table.items(), key=lambda item: item[1]):
        if count >= digits:
            return min(field, value.LAST)
    return None


def boundary(a: Any, digits: Any, high: bool) -> Any:
    """LowBoundary/HighBoundary: the least/greatest value the input could be, stated to `digits` precision."""
    if type(a) is Decimal or _is_int(a):
        places = 8 if digits is None else digits
        if places < 0 or places > 8:
            return None
        value = Decimal(a)
        quantum = Decimal(1).scaleb(-places)
        if decimal_precision(value) > places:
            return None
        low = value.quantize(quantum, rounding=ROUND_DOWN)
        if not high:
            return low
        if decimal_precision(value) == places:
            return low
        step = Decimal(1).scaleb(-decimal_precision(value))
        edge = value + step - quantum if value >= 0 else value - step + quantum
        return edge.quantize(quantum, rounding=ROUND_DOWN)
    field = _field_for_digits(a, digits)
    if field is None:
        return None
    return dt.high_boundary(a, field) if high else dt.low_boundary(a, field)


emits("Add")(binary(add))
emits("Subtract")(binary(subtract))
emits("Multiply")(binary(multiply))
emits("Divide")(binary(divide))
emits("TruncatedDivide")(binary(truncated_divide))
emits("Modulo")(binary(modulo))
_negate = unary(negate)


@emits("Negate")
def _negate_node(node: dict[str, Any], em: Any) -> str:
    """-x; the translator writes the literal -2147483648 as Negate(2147483648), so a negated Integer or Long
    literal is read as one negative literal (in range at the minimum, an error beyond it)."""
    text = signed_integer_literal(node)
    if text is not None:
        return emit_literal(node["operand"], em, text)
    return _negate(node, em)
emits("Abs")(unary(absolute))
emits("Ceiling")(unary(_to_integer(ROUND_CEILING)))
emits("Floor")(unary(_to_integer(ROUND_FLOOR)))
emits("Truncate")(unary(_to_integer(ROUND_DOWN)))
emits("Ln")(unary(ln))
emits("Exp")(unary(exp))
emits("Log")(binary(log))
emits("Power")(binary(power))
emits("Precision")(unary(precision))
emits("Predecessor")(unary(points.predecessor))
emits("Successor")(unary(points.successor))


@compiles("Round")
def _round(node: dict[str, Any], compiler: Compiler) -> Compiled:
    value = compiler.compile(node["operand"])
    places = compiler.compile(node["precision"]) if node.get("precision") else None
    if places is None:
        return lambda ctx: round_to(value(ctx))
    return lambda ctx: round_to(value(ctx), places(ctx))


def _boundary_node(high: bool) -> Callable[[dict[str, Any], Compiler], Compiled]:
    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        value, digits = operands(node, compiler)

        def run(ctx: Any) -> Any:
            a = value(ctx)
            return None if a is None else boundary(a, digits(ctx), high)

        return run

    return build


compiles("LowBoundary")(_boundary_node(False))
compiles("HighBoundary")(_boundary_node(True))


def _limit(node: dict[str, Any], compiler: Compiler, pick: Callable[[str, Decimal], Any]) -> Compiled:
    kind = named(node["valueType"])[2]
    sample = pick(kind, Decimal(0))
    if sample is None:
        message = f"{node['type']} is not defined for {kind}"

        def fail(ctx: Any) -> Any:
            raise CqlRuntimeError(message)

        return fail
    return lambda ctx: sample


@compiles("MinValue")
def _min_value(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _limit(node, compiler, points.min_value)


@compiles("MaxValue")
def _max_value(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _limit(node, compiler, points.max_value)

