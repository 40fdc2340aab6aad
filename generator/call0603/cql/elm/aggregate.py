"""Aggregate functions over lists (nulls ignored): Count, Sum, Min, Max, Avg, Median, Mode, variances, AllTrue…"""

from __future__ import annotations

from decimal import Decimal, localcontext
from functools import cmp_to_key
from typing import Any, Callable

from ..datatypes.decimal import CONTEXT, clamp_decimal, integer_in_range
from ..datatypes import quantity
from ..datatypes.long import long_in_range
from ..datatypes.quantity import Quantity
from ..runtime.errors import CqlRuntimeError
from ..runtime.types import is_system, result_type
from .comparison import compare, equal
from .registry import Compiled, Compiler, Emitter, compiles, emits


def _present(values: list[Any] | None) -> list[Any]:
    return [v for v in values if v is not None] if values else []


def _numeric_result(result_kind: str) -> Callable[[Any], Any]:
    """Keeps a numeric result within its CQL type (overflow is null; decimals to scale 8)."""
    if result_kind == "Integer":
        return integer_in_range
    if result_kind == "Long":
        return long_in_range
    if result_kind == "Decimal":
        return lambda v: clamp_decimal(Decimal(v))
    return lambda v: v


def _add_all(values: list[Any]) -> Any:
    if isinstance(values[0], Quantity):
        total = values[0]
        for value in values[1:]:
            total = quantity.add(total, value) if total is not None else None
        return total
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def _average(values: list[Any]) -> Any:
    if isinstance(values[0], Quantity):
        total = _add_all(values)
        if total is None:
            return None
        with localcontext(CONTEXT):
            return total.with_value(total.value / len(values))
    return _mean(values)


def _to_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(int(value))


def _ordered(values: list[Any]) -> list[Any]:
    def order(a: Any, b: Any) -> int:
        result = compare(a, b)
        if result is None:
            raise CqlRuntimeError("values of uncertain order cannot be aggregated")
        return result
    return sorted(values, key=cmp_to_key(order))


def _extreme(values: list[Any] | None, sign: int) -> Any:
    present = _present(values)
    if not present:
        return None
    best = present[0]
    for value in present[1:]:
        order = compare(value, best)
        if order is None:
            return None
        if order * sign > 0:
            best = value
    return best


def _mean(values: list[Any]) -> Decimal:
    with localcontext(CONTEXT):
        return sum((_to_decimal(v) for v in values), Decimal(0)) / len(values)


def _variance(values: list[Any], population: bool) -> Decimal | None:
    n = len(values)
    if n == 0 or (n == 1 and not population):
        return None
    with localcontext(CONTEXT):
        mean = _mean(values)
        squares = sum(((_to_decimal(v) - mean) ** 2 for v in values), Decimal(0))
        return squares / (n if population else n - 1)


def _sqrt(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    with localcontext(CONTEXT):
        return value.sqrt()


def _median(values: list[Any]) -> Any:
    if not values:
        return None
    ordered = _ordered(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    low, high = ordered[middle - 1], ordered[middle]
    if isinstance(low, (int, Decimal)):
        with localcontext(CONTEXT):
            return (_to_decimal(low) + _to_decimal(high)) / 2
    return (low + high) / 2


def _mode(values: list[Any]) -> Any:
    if not values:
        return None
    counts: list[list[Any]] = []
    for value in values:
        for entry in counts:
            if equal(entry[0], value) is True:
                entry[1] += 1
                break
        else:
            counts.append([value, 1])
    return max(counts, key=lambda e: e[1])[0]


def _product(values: list[Any]) -> Any:
    total = values[0]
    for value in values[1:]:
        total = total * value
    return total


def _geometric_mean(values: list[Any]) -> Decimal | None:
    with localcontext(CONTEXT):
        decimals = [_to_decimal(v) for v in values]
        if any(d <= 0 for d in decimals):
            return None
        return (sum((d.ln() for d in decimals), Decimal(0)) / len(decimals)).exp()


def _build(node: dict[str, Any], compiler: Compiler) -> tuple[Compiled, str]:
    source = compiler.compile(node["source"])
    kind = result_type(node)
    return source, kind[2] if kind and kind[0] == "named" and is_system(kind, *_NUMERIC) else ""


_NUMERIC = ("Integer", "Long", "Decimal")


def count(values: list[Any] | None) -> int:
    """CQL Count: the non-null elements of a list (0 for a null list)."""
    return len(_present(values))


@emits("Count")
def _count(node: dict[str, Any], em: Emitter) -> str:
    return f"{em.constant(count)}({em.expr(node['source'])})"


@compiles("Sum", "Product")
def _sum(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source, kind = _build(node, compiler)
    keep = _numeric_result(kind)
    combine = _add_all if node["type"] == "Sum" else _product

    def run(ctx: Any) -> Any:
        present = _present(source(ctx))
        if not present:
            return None
        if kind:
            with localcontext(CONTEXT):
                return keep(combine(present))
        return combine(present)
    return run


@compiles("Min", "Max")
def _min_max(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    sign = -1 if node["type"] == "Min" else 1
    return lambda ctx: _extreme(source(ctx), sign)


def _decimal_aggregate(fn: Callable[[list[Any]], Any]) -> Callable[[dict[str, Any], Compiler], Compiled]:
    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        source = compiler.compile(node["source"])
        numeric = is_system(result_type(node), "Decimal")

        def run(ctx: Any) -> Any:
            present = _present(source(ctx))
            if not present:
                return None
            result = fn(present)
            return clamp_decimal(result) if numeric and isinstance(result, Decimal) else result
        return run
    return build


compiles("Avg")(_decimal_aggregate(_average))
compiles("Median")(_decimal_aggregate(_median))
compiles("Variance")(_decimal_aggregate(lambda v: _variance(v, False)))
compiles("PopulationVariance")(_decimal_aggregate(lambda v: _variance(v, True)))
compiles("StdDev")(_decimal_aggregate(lambda v: _sqrt(_variance(v, False))))
compiles("PopulationStdDev")(_decimal_aggregate(lambda v: _sqrt(_variance(v, True))))
compiles("GeometricMean")(_decimal_aggregate(_geometric_mean))


@compiles("Mode")
def _mode_node(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    return lambda ctx: _mode(_present(source(ctx)))


@compiles("AllTrue")
def _all_true(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    return lambda ctx: all(v is True for v in _present(source(ctx)))


@compiles("AnyTrue")
def _any_true(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    return lambda ctx: any(v is True for v in _present(source(ctx)))

