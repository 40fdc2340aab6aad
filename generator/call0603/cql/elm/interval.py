"""Interval operators (the selector, Start/End/Width/Size/PointFrom, membership, timing relations, Union,
Intersect, Except, Collapse, Expand), dispatching once at load time to the list overloads of shared nodes and to
the date/time point comparisons of Before/After/SameAs."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any, Callable

from ..datatypes import datetime as dt
from ..datatypes import points
from ..datatypes.decimal import decimal_precision
from ..datatypes.interval import Interval
from ..datatypes.quantity import Quantity
from ..runtime.errors import CqlRuntimeError
from ..runtime.types import Type, result_type, signature
from .arithmetic import add, subtract
from .datetime import compare_points, point_comparison
from .list import LIST_OPERATORS, union_lists
from .operands import operands, unary
from .registry import Compiled, Compiler, Emitter, compiles, emits

_TEMPORAL = (dt.Date, dt.DateTime, dt.Time)


def _and(*values: bool | None) -> bool | None:
    """Three-valued AND."""
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def _or(*values: bool | None) -> bool | None:
    """Three-valued OR."""
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def _cmp(a: Any, b: Any, precision: int | None = None) -> int | None:
    """-1/0/1 of two points (None when either is null or the order is unknown), at a date/time precision."""
    if a is None or b is None:
        return None
    kind = type(a)
    if kind is type(b) and precision is None and (kind is dt.Date or kind is dt.Time):
        x, y = a.parts, b.parts
        if len(x) == len(y):
            return (x > y) - (x < y)
    if isinstance(a, _TEMPORAL):
        return compare_points(a, b, precision)
    return points.compare(a, b)


def _test(a: Any, b: Any, precision: int | None, ok: Callable[[int], bool]) -> bool | None:
    cmp = _cmp(a, b, precision)
    return None if cmp is None else ok(cmp)


def _le(a: Any, b: Any, p: int | None = None) -> bool | None:
    return _test(a, b, p, lambda c: c <= 0)


def _lt(a: Any, b: Any, p: int | None = None) -> bool | None:
    return _test(a, b, p, lambda c: c < 0)


def _eq(a: Any, b: Any, p: int | None = None) -> bool | None:
    return _test(a, b, p, lambda c: c == 0)


# --- membership -----------------------------------------------------------------------------------------


def contains(interval: Interval | None, point: Any, precision: int | None = None) -> bool | None:
    """The interval contains the point (null point: null; null interval: false)."""
    if interval is None:
        return False
    if point is None:
        return None
    interval = _typed(interval, point)
    after_start = _bound_le(interval, point, precision, low=True)
    if after_start is False:
        return False
    before_end = _bound_le(interval, point, precision, low=False)
    if before_end is False:
        return False
    return None if after_start is None or before_end is None else True


def _typed(interval: Interval, other: Any) -> Interval:
    """An interval whose closed null boundaries (left unresolved by a selector of unknown point type) stand for
    the least/greatest value of the other operand's point type."""
    needs_low = interval.low is None and interval.low_closed
    needs_high = interval.high is None and interval.high_closed
    if not (needs_low or needs_high):
        return interval
    sample = other
    if isinstance(other, Interval):
        sample = other.low if other.low is not None else other.high
    kind = interval.point_type() or points.type_name(sample)
    if kind is None:
        return interval
    offset = getattr(sample, "offset", None)
    low = points.min_value(kind, offset) if needs_low else interval.low
    high = points.max_value(kind, offset) if needs_high else interval.high
    return Interval(low, high, interval.low_closed, interval.high_closed, kind)


def _bound_le(interval: Interval, point: Any, precision: int | None, low: bool) -> bool | None:
    """start <= point (low) or point <= end (high); an open boundary compares strictly, a null one is unknown."""
    bound, closed = (interval.low, interval.low_closed) if low else (interval.high, interval.high_closed)
    if bound is None:
        return None
    cmp = _cmp(bound, point, precision) if low else _cmp(point, bound, precision)
    if cmp is None:
        return None
    return cmp <= 0 if closed else cmp < 0


def proper_contains(interval: Interval | None, point: Any, precision: int | None = None) -> bool | None:
    """The point lies strictly inside the interval: after its start and before its end."""
    if interval is None:
        return False
    if point is None:
        return None
    interval = _typed(interval, point)
    return _and(_lt(interval.start(), point, precision), _lt(point, interval.end(), precision))


def includes(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """Every point of b is in a."""
    if a is None or b is None:
        return None
    a, b = _typed(a, b), _typed(b, a)
    return _and(_le(a.start(), b.start(), precision), _le(b.end(), a.end(), precision))


def proper_includes(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a includes b and is larger."""
    inside = includes(a, b, precision)
    if inside is not True:
        return inside
    assert a is not None and b is not None
    a, b = _typed(a, b), _typed(b, a)
    return _or(_lt(a.start(), b.start(), precision), _lt(b.end(), a.end(), precision))


# --- timing relations -----------------------------------------------------------------------------------


def before(a: Any, b: Any, precision: int | None = None) -> bool | None:
    """a ends before b starts (either may be a point)."""
    if a is None or b is None:
        return None
    return _lt(_last(a), _first(b), precision)


def after(a: Any, b: Any, precision: int | None = None) -> bool | None:
    """a starts after b ends (either may be a point)."""
    if a is None or b is None:
        return None
    return _lt(_last(b), _first(a), precision)


def same_or_before(a: Any, b: Any, precision: int | None = None) -> bool | None:
    """a ends on or before b starts."""
    if a is None or b is None:
        return None
    return _le(_last(a), _first(b), precision)


def same_or_after(a: Any, b: Any, precision: int | None = None) -> bool | None:
    """a starts on or after b ends."""
    if a is None or b is None:
        return None
    return _le(_last(b), _first(a), precision)


def same_as(a: Any, b: Any, precision: int | None = None) -> bool | None:
    """Same start and same end."""
    if a is None or b is None:
        return None
    return _and(_eq(_first(a), _first(b), precision), _eq(_last(a), _last(b), precision))


def _first(value: Any) -> Any:
    return value.start() if isinstance(value, Interval) else value


def _last(value: Any) -> Any:
    return value.end() if isinstance(value, Interval) else value


def _next(point: Any, precision: int | None) -> Any:
    """The point after, at a date/time precision when one is given."""
    if point is None:
        return None
    if precision is not None and isinstance(point, _TEMPORAL) and precision < point.precision:
        return point.add(1, precision)
    return points.successor(point)


def meets_before(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a ends immediately before b starts (false when known boundaries rule it out)."""
    if a is None or b is None:
        return None
    end, start = a.end(), b.start()
    if end is not None and start is not None:
        return _eq(_next(end, precision), start, precision)
    latest_end = end if end is not None else None
    earliest_end = end if end is not None else a.start()
    earliest_start = start if start is not None else None
    latest_start = start if start is not None else b.end()
    if earliest_end is not None and latest_start is not None and _lt(latest_start, _next(earliest_end, precision), precision):
        return False
    if latest_end is not None and earliest_start is not None and _lt(_next(latest_end, precision), earliest_start, precision):
        return False
    return None


def meets_after(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a starts immediately after b ends."""
    return meets_before(b, a, precision)


def meets(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a meets b on either side."""
    return _or(meets_before(a, b, precision), meets_after(a, b, precision))


def overlaps(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a and b share at least one point."""
    if a is None or b is None:
        return None
    return _and(_le(a.start(), b.end(), precision), _le(b.start(), a.end(), precision))


def overlaps_before(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a overlaps b and starts before it."""
    if a is None or b is None:
        return None
    return _and(_lt(a.start(), b.start(), precision), _le(b.start(), a.end(), precision))


def overlaps_after(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a overlaps b and ends after it."""
    if a is None or b is None:
        return None
    return _and(_lt(b.end(), a.end(), precision), _le(a.start(), b.end(), precision))


def starts(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a starts with b and ends within it."""
    if a is None or b is None:
        return None
    return _and(_eq(a.start(), b.start(), precision), _le(a.end(), b.end(), precision))


def ends(a: Interval | None, b: Interval | None, precision: int | None = None) -> bool | None:
    """a ends with b and starts within it."""
    if a is None or b is None:
        return None
    return _and(_le(b.start(), a.start(), precision), _eq(a.end(), b.end(), precision))


# --- set operations -------------------------------------------------------------------------------------


def _lower(a: Interval, b: Interval) -> Interval:
    """The interval whose start comes first (a when unknown)."""
    return b if _lt(b.start(), a.start()) else a


def _upper(a: Interval, b: Interval) -> Interval:
    """The interval whose end comes last (a when unknown)."""
    return b if _lt(a.end(), b.end()) else a


def union(a: Interval | None, b: Interval | None) -> Interval | None:
    """The interval covering both when they overlap or meet, else null."""
    if a is None or b is None:
        return None
    if _or(overlaps(a, b), meets(a, b)) is not True:
        return None
    low, high = _lower(a, b), _upper(a, b)
    return Interval(low.low, high.high, low.low_closed, high.high_closed, a.point_type() or b.point_type())


def intersect(a: Interval | None, b: Interval | None) -> Interval | None:
    """The points shared by both, null when they do not overlap."""
    if a is None or b is None:
        return None
    if overlaps(a, b) is False:
        return None
    low = a if _lower(a, b) is b else b
    high = a if _upper(a, b) is b else b
    if a.high is None and not a.high_closed:
        high = a
    elif b.high is None and not b.high_closed:
        high = b
    return Interval(low.low, high.high, low.low_closed, high.high_closed, a.point_type() or b.point_type())


def except_(a: Interval | None, b: Interval | None) -> Interval | None:
    """The points of a not in b, null when that is not one interval (or when either is null)."""
    if a is None or b is None:
        return None
    if overlaps(a, b) is False:
        return a
    if includes(b, a) is True:
        return None
    covers_start = _le(b.start(), a.start())
    covers_end = _le(a.end(), b.end())
    if covers_start is True and covers_end is False:
        return Interval(b.high, a.high, not b.high_closed, a.high_closed, a.point_type() or b.point_type())
    if covers_end is True and covers_start is False:
        return Interval(a.low, b.low, a.low_closed, not b.low_closed, a.point_type() or b.point_type())
    return None


# --- measures -------------------------------------------------------------------------------------------


def width(interval: Interval) -> Any:
    """end - start, for numeric and quantity intervals (an error for date/time intervals)."""
    start, end = interval.start(), interval.end()
    if isinstance(start, _TEMPORAL) or isinstance(end, _TEMPORAL):
        raise CqlRuntimeError("Width is not defined for date/time intervals")
    if start is None or end is None:
        return None
    return subtract(end, start)


def size(interval: Interval) -> Any:
    """The number of points: width plus one step of the point type."""
    measured = width(interval)
    if measured is None:
        return None
    start = interval.start()
    step = points.successor(start)
    return add(measured, subtract(step, start))


def point_from(interval: Interval) -> Any:
    """The single point of a unit interval; an error when the interval holds more than one point."""
    start, end = interval.start(), interval.end()
    if start is None and end is None:
        return None
    if _eq(start, end) is not True:
        raise CqlRuntimeError("PointFrom needs an interval of a single point")
    return start


def collapse(intervals: list[Interval | None] | None, per: Quantity | None = None) -> list[Interval] | None:
    """Merge overlapping or meeting intervals, sorted by start; null and empty-boundary intervals dropped."""
    if intervals is None:
        return None
    kept = [i for i in intervals if i is not None and not (i.start() is None and i.end() is None)]
    kept.sort(key=_sort_key)
    merged: list[Interval] = []
    for interval in kept:
        if merged:
            joined = union(merged[-1], interval)
            if joined is not None:
                merged[-1] = joined
                continue
        merged.append(interval)
    return merged


class _SortKey:
    __slots__ = ("point",)

    def __init__(self, point: Any) -> None:
        self.point = point

    def __lt__(self, other: _SortKey) -> bool:
        if self.point is None:
            return other.point is not None
        if other.point is None:
            return False
        cmp = _cmp(self.point, other.point)
        return cmp is not None and cmp < 0


def _sort_key(interval: Interval) -> _SortKey:
    return _SortKey(interval.start())


def expand(source: Any, per: Quantity | None) -> list[Any] | None:
    """Expand intervals into unit intervals of `per` (a list of intervals) or one interval into its points."""
    if source is None:
        return None
    if isinstance(source, Interval):
        return [i.low for i in _expand_one(source, per)]
    out: list[Interval] = []
    for interval in source:
        if interval is not None:
            out.extend(_expand_one(interval, per))
    return _distinct_intervals(out)


def _distinct_intervals(intervals: list[Interval]) -> list[Interval]:
    seen: list[Interval] = []
    for interval in intervals:
        if not any(interval.cql_equal(s) is True for s in seen):
            seen.append(interval)
    return seen


def _expand_one(interval: Interval, per: Quantity | None) -> list[Interval]:
    start, end = interval.start(), interval.end()
    if start is None or end is None:
        return []
    if isinstance(start, _TEMPORAL):
        return _expand_temporal(start, end, per)
    return _expand_number(start, end, per)


def _expand_number(start: Any, end: Any, per: Quantity | None) -> list[Interval]:
    quantity = isinstance(start, Quantity)
    unit = start.unit if quantity else None
    low = start.value if quantity else start
    high = end.value if quantity else end
    step = Decimal(1) if per is None else per.value
    if step <= 0:
        return []
    digits = decimal_precision(step) if type(step) is Decimal else 0
    integral = type(low) is int and type(high) is int and digits == 0
    quantum = Decimal(1).scaleb(-digits)
    low_d = Decimal(low).quantize(quantum, rounding=ROUND_DOWN)
    high_d = Decimal(high)
    if decimal_precision(high_d) < digits:
        high_d = high_d + Decimal(1).scaleb(-decimal_precision(high_d)) - quantum
    high_d = high_d.quantize(quantum, rounding=ROUND_DOWN)
    out: list[Interval] = []
    current = low_d
    while current + step - quantum <= high_d and len(out) < 100_000:
        first, last = current, current + step - quantum
        if integral:
            first, last = int(first), int(last)  # type: ignore[assignment]
        if quantity:
            out.append(Interval(Quantity(first, unit), Quantity(last, unit)))  # type: ignore[arg-type]
        else:
            out.append(Interval(first, last))
        current += step
    return out


def _expand_temporal(start: Any, end: Any, per: Quantity | None) -> list[Interval]:
    unit = start.precision if per is None else dt.precision_index(per.unit)
    count = 1 if per is None else int(per.value)
    if count <= 0:
        return []
    field = dt.DAY if unit == dt.WEEK else unit
    if start.precision < field or end.precision < field:
        return []
    amount = count * 7 if unit == dt.WEEK else count
    first = start.with_full(start.full(), field)
    last = end.with_full(end.full(), field)
    out: list[Interval] = []
    current = first
    while len(out) < 100_000:
        following = current.add(amount, field)
        unit_end = following.add(-1, field)
        if _le(unit_end, last) is not True:
            break
        out.append(Interval(current, unit_end))
        current = following
    return out


# --- load-time dispatch ---------------------------------------------------------------------------------


def _is_list(t: Type) -> bool:
    return t is not None and t[0] == "list"


def _precision(node: dict[str, Any]) -> int | None:
    return dt.precision_index(node.get("precision"))


def _list_union(node: dict[str, Any]) -> bool:
    """A Union node whose operands are lists (by its signature)."""
    return node.get("type") == "Union" and any(_is_list(k) for k in signature(node))


def _union_leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The operands of a chain of list unions (a union b union c…), left to right: one distinct pass over all
    of them gives what the nested unions give, since each union keeps first occurrences in order."""
    leaves: list[dict[str, Any]] = []
    for operand in node["operand"]:
        leaves.extend(_union_leaves(operand) if _list_union(operand) else [operand])
    return leaves


def _shared(node_type: str, interval_fn: Callable[..., Any], uses_precision: bool = True) -> None:
    """Register a node shared with lists: list operands go to the list family, the rest to `interval_fn`."""

    @emits(node_type)
    def emit(node: dict[str, Any], em: Emitter) -> str:
        kinds = signature(node)
        list_fn = LIST_OPERATORS.get(node_type)
        if node_type == "Union" and _list_union(node):
            parts = ", ".join(em.expr(leaf) for leaf in _union_leaves(node))
            return f"{em.constant(union_lists)}([{parts}])"
        left, right = (em.expr(o) for o in node["operand"])
        if list_fn is not None and any(_is_list(k) for k in kinds):
            return f"{em.constant(list_fn)}({left}, {right})"
        precision = _precision(node) if uses_precision else None
        extra = f", {precision!r}" if uses_precision else ""
        if list_fn is not None and (len(kinds) < 2 or None in kinds):
            return f"{em.constant(_either)}({left}, {right}, {em.constant(list_fn)}, {em.constant(interval_fn)}{extra})"
        return f"{em.constant(interval_fn)}({left}, {right}{extra})"


def _either(a: Any, b: Any, list_fn: Callable[..., Any], interval_fn: Callable[..., Any], *precision: int | None) -> Any:
    """Operands of unknown static type: the list overload when either is a list, else the interval one."""
    if isinstance(a, list) or isinstance(b, list):
        return list_fn(a, b)
    return interval_fn(a, b, *precision)


_shared("Contains", contains)
_shared("ProperContains", proper_contains)
_shared("In", lambda point, interval, p=None: contains(interval, point, p))
_shared("ProperIn", lambda point, interval, p=None: proper_contains(interval, point, p))
_shared("Includes", lambda a, b, p=None: contains(a, b, p) if not isinstance(b, Interval) else includes(a, b, p))
_shared("IncludedIn", lambda a, b, p=None: contains(b, a, p) if not isinstance(a, Interval) else includes(b, a, p))
_shared("ProperIncludes", lambda a, b, p=None: proper_contains(a, b, p) if not isinstance(b, Interval) else proper_includes(a, b, p))
_shared("ProperIncludedIn", lambda a, b, p=None: proper_contains(b, a, p) if not isinstance(a, Interval) else proper_includes(b, a, p))
_shared("Union", union, uses_precision=False)
_shared("Intersect", intersect, uses_precision=False)
_shared("Except", except_, uses_precision=False)
_shared("Meets", meets)
_shared("MeetsBefore", meets_before)
_shared("MeetsAfter", meets_after)
_shared("Overlaps", overlaps)
_shared("OverlapsBefore", overlaps_before)
_shared("OverlapsAfter", overlaps_after)
_shared("Starts", starts)
_shared("Ends", ends)

_RELATIONS = {"Before": before, "After": after, "SameOrBefore": same_or_before, "SameOrAfter": same_or_after, "SameAs": same_as}


def _relation(node_type: str) -> None:
    """Before/After/SameAs…: date/time points compare at a precision; an interval operand compares its ends."""

    @emits(node_type)
    def emit(node: dict[str, Any], em: Emitter) -> str:
        left, right = (em.expr(o) for o in node["operand"])
        precision = _precision(node)
        kinds = signature(node)
        if kinds and all(k is not None and k[0] == "named" for k in kinds):
            compare = point_comparison(node_type, precision)
            if node_type in ("SameAs", "SameOrBefore", "SameOrAfter") or all(k[2] in ("Date", "DateTime", "Time") for k in kinds):  # type: ignore[index]
                return f"{em.constant(compare)}({left}, {right})"
        return f"{em.constant(_RELATIONS[node_type])}({left}, {right}, {precision!r})"


for _name in _RELATIONS:
    _relation(_name)


emits("Start")(unary(Interval.start))
emits("End")(unary(Interval.end))
emits("Width")(unary(width))
emits("Size")(unary(size))
emits("PointFrom")(unary(point_from))


def _with_per(fn: Callable[[Any, Any], Any]) -> Callable[[dict[str, Any], Compiler], Compiled]:
    """A compiler for Collapse/Expand: a source and an optional `per` quantity."""

    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        parts = operands(node, compiler)
        source, per = parts[0], (parts[1] if len(parts) > 1 else None)
        if per is None:
            return lambda ctx: fn(source(ctx), None)
        return lambda ctx: fn(source(ctx), per(ctx))

    return build


compiles("Collapse")(_with_per(collapse))
compiles("Expand")(_with_per(expand))


def _point_kind(node: dict[str, Any]) -> str | None:
    spec = result_type(node)
    if spec is not None and spec[0] == "interval" and spec[1] is not None and spec[1][0] == "named":
        return spec[1][2]
    for key in ("low", "high"):
        t = result_type(node.get(key))
        if t is not None and t[0] == "named" and t[2] != "Any":
            return t[2]
    return None


def _interval(node: dict[str, Any], compiler: Compiler) -> Compiled:
    low = compiler.compile(node["low"]) if node.get("low") is not None else (lambda ctx: None)
    high = compiler.compile(node["high"]) if node.get("high") is not None else (lambda ctx: None)
    low_closed_expr = compiler.compile(node["lowClosedExpression"]) if node.get("lowClosedExpression") else None
    high_closed_expr = compiler.compile(node["highClosedExpression"]) if node.get("highClosedExpression") else None
    low_closed_fixed = bool(node.get("lowClosed", True))
    high_closed_fixed = bool(node.get("highClosed", True))
    kind = _point_kind(node)

    def run(ctx: Any) -> Interval:
        low_closed = low_closed_fixed if low_closed_expr is None else bool(low_closed_expr(ctx))
        high_closed = high_closed_fixed if high_closed_expr is None else bool(high_closed_expr(ctx))
        return make_interval(low(ctx), high(ctx), low_closed, high_closed, kind)

    return run


def make_interval(lo: Any, hi: Any, low_closed: bool, high_closed: bool, kind: str | None) -> Interval:
    """An interval selector's value; an error when its low boundary is after its high one."""
    interval = Interval(lo, hi, low_closed, high_closed, kind)
    if lo is not None and hi is not None and _lt(interval.end(), interval.start()) is True:
        raise CqlRuntimeError(f"invalid interval: {interval} has its low boundary after its high boundary")
    return interval


@emits("Interval")
def _emit_interval(node: dict[str, Any], em: Emitter) -> str:
    """An interval whose closedness is fixed, built by generated code; others by the closure above."""
    if node.get("lowClosedExpression") or node.get("highClosedExpression"):
        return em.closure(_interval(node, em.compiler), node)  # type: ignore[attr-defined]
    bounds = [em.expr(node[key]) if node.get(key) is not None else "None" for key in ("low", "high")]
    closed = [repr(bool(node.get(key, True))) for key in ("lowClosed", "highClosed")]
    return f"{em.constant(make_interval)}({', '.join([*bounds, *closed, repr(_point_kind(node))])})"
