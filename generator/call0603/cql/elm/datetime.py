"""Date/time operators: selectors, Now/Today/TimeOfDay, component extraction, durations, differences and
precision-aware comparison of two date/time points (the interval family calls these for point operands)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from ..datatypes import datetime as dt
from ..datatypes.uncertainty import Uncertainty
from ..runtime.errors import CqlRuntimeError
from .operands import operands, unary
from .registry import Compiled, Compiler, Emitter, compiles, emits

_DATE_FIELDS = ("year", "month", "day")
_TIME_FIELDS = ("hour", "minute", "second", "millisecond")


def _components(node: dict[str, Any], compiler: Compiler, fields: tuple[str, ...]) -> list[Compiled]:
    """The compiled component expressions present, in order; a component after a missing one is a load error."""
    present = [name for name in fields if node.get(name) is not None]
    if present != list(fields[: len(present)]):
        raise compiler.error(node, "a date/time component is given below a missing one")
    return [compiler.compile(node[name]) for name in present]


def _known(values: list[Any]) -> tuple[int, ...] | None:
    """Components up to the first null (None when the first one is null); a value after a null is an error."""
    parts: list[int] = []
    for i, value in enumerate(values):
        if value is None:
            if any(v is not None for v in values[i + 1 :]):
                raise CqlRuntimeError("a date/time component is given below a null one")
            break
        parts.append(value)
    return tuple(parts) if parts else None


def make_date(*values: Any) -> dt.Date | None:
    """A Date from its components (year first; null from the first null component on)."""
    known = _known(list(values))
    return None if known is None else dt.Date.checked(*known)


@emits("Date")
def _date(node: dict[str, Any], em: Emitter) -> str:
    present = [name for name in _DATE_FIELDS if node.get(name) is not None]
    if present != list(_DATE_FIELDS[: len(present)]):
        raise em.compiler.error(node, "a date/time component is given below a missing one")
    return f"{em.constant(make_date)}({', '.join(em.expr(node[name]) for name in present)})"


@compiles("DateTime")
def _datetime(node: dict[str, Any], compiler: Compiler) -> Compiled:
    parts = _components(node, compiler, _DATE_FIELDS + _TIME_FIELDS)
    offset = compiler.compile(node["timezoneOffset"]) if node.get("timezoneOffset") is not None else None

    def run(ctx: Any) -> dt.DateTime | None:
        known = _known([p(ctx) for p in parts])
        if known is None:
            return None
        zone = ctx.timezone_offset if offset is None else offset(ctx)
        return dt.DateTime.checked(known, None if zone is None else Decimal(zone))

    return run


@compiles("Time")
def _time(node: dict[str, Any], compiler: Compiler) -> Compiled:
    parts = _components(node, compiler, _TIME_FIELDS)

    def run(ctx: Any) -> dt.Time | None:
        known = _known([p(ctx) for p in parts])
        return None if known is None else dt.Time.checked(*known)

    return run


@compiles("Now")
def _now(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return lambda ctx: ctx.require_now()


@compiles("Today")
def _today(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return lambda ctx: ctx.require_now().date()


@compiles("TimeOfDay")
def _time_of_day(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return lambda ctx: ctx.require_now().time()


def date_from(value: Any) -> dt.Date:
    """The date of a DateTime in its own offset (a Date is its own date)."""
    return value if isinstance(value, dt.Date) else value.date()


def time_from(value: Any) -> dt.Time | None:
    """The time of day of a DateTime (null when it stops at day precision or above)."""
    return value.time()


def timezone_offset_from(value: Any) -> Decimal | None:
    """The offset of a DateTime in hours."""
    return value.offset


emits("DateFrom")(unary(date_from))
emits("TimeFrom")(unary(time_from))
emits("TimezoneOffsetFrom")(unary(timezone_offset_from))


@emits("DateTimeComponentFrom")
def _component_from(node: dict[str, Any], em: Emitter) -> str:
    field = dt.precision_index(node["precision"])
    if field is None or field == dt.WEEK:
        raise em.compiler.error(node, f"no component {node.get('precision')!r}")
    raw = node["operand"]
    value = em.temp()
    return f"(None if ({value} := {em.expr(raw if isinstance(raw, dict) else raw[0])}) is None else {value}.component({field!r}))"


def _uncertain(result: int | tuple[int, int]) -> int | Uncertainty:
    return result if isinstance(result, int) else Uncertainty(*result)


def _between(measure: Callable[[Any, Any, int], int | tuple[int, int]]) -> Callable[[dict[str, Any], Compiler], Compiled]:
    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        left, right = operands(node, compiler)
        unit = dt.precision_index(node["precision"])

        def run(ctx: Any) -> Any:
            a = left(ctx)
            if a is None:
                return None
            b = right(ctx)
            if b is None:
                return None
            a, b = _same_kind(a, b)
            return _uncertain(measure(a, b, unit))  # type: ignore[arg-type]

        return run

    return build


def _same_kind(a: Any, b: Any) -> tuple[Any, Any]:
    """Date and DateTime met together: the Date promoted to a DateTime at the other's offset."""
    if type(a) is dt.Date and type(b) is dt.DateTime:
        return a.to_datetime(b.offset), b
    if type(a) is dt.DateTime and type(b) is dt.Date:
        return a, b.to_datetime(a.offset)
    return a, b


compiles("DurationBetween")(_between(dt.duration_between))
compiles("DifferenceBetween")(_between(dt.difference_between))


def compare_points(a: Any, b: Any, precision: int | None) -> int | None:
    """-1/0/1 of two date/time points at a precision (None: all components); None when unknown or null."""
    if a is None or b is None:
        return None
    a, b = _same_kind(a, b)
    return a.compare_at(b, precision)


#: How each comparison node reads the -1/0/1 of its operands.
POINT_TESTS: dict[str, Callable[[int], bool]] = {
    "SameAs": lambda c: c == 0,
    "SameOrBefore": lambda c: c <= 0,
    "SameOrAfter": lambda c: c >= 0,
    "Before": lambda c: c < 0,
    "After": lambda c: c > 0,
}


def point_comparison(node_type: str, precision: int | None) -> Callable[[Any, Any], bool | None]:
    """The function comparing two date/time points for one of SameAs, SameOrBefore, SameOrAfter, Before, After."""
    test = POINT_TESTS[node_type]

    def run(a: Any, b: Any) -> bool | None:
        cmp = compare_points(a, b, precision)
        return None if cmp is None else test(cmp)

    return run
