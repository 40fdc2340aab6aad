"""CQL equality, equivalence and ordering over every value, and the comparison operators built on them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from ..runtime.types import is_system, signature
from .registry import Emitter, emits

_SIMPLE = (str, int, Decimal)
_SPACE = re.compile(r"\s+")


def equal(a: Any, b: Any) -> bool | None:
    """CQL `=`: null if either side is null (or the comparison is uncertain), else true or false."""
    if a is None or b is None:
        return None
    if isinstance(a, _SIMPLE) and isinstance(b, _SIMPLE):
        if isinstance(a, str) is not isinstance(b, str) or isinstance(a, bool) is not isinstance(b, bool):
            return False
        return a == b
    if isinstance(a, list):
        return _elements_equal(a, b, equal) if isinstance(b, list) else False
    if isinstance(a, dict):
        if not isinstance(b, dict) or a.keys() != b.keys():
            return False
        if a is b and "resourceType" in a:  # a resource read from JSON holds no value unequal to itself
            return True
        return _pairs_equal(((a[k], b[k]) for k in a), equal)
    method = getattr(a, "cql_equal", None)
    if method is not None:
        return method(b)
    reverse = getattr(b, "cql_equal", None)
    if reverse is not None:
        return reverse(a)
    return a == b


def equivalent(a: Any, b: Any) -> bool:
    """CQL `~`: never null; nulls are equivalent to each other; strings ignore case and spacing."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str):
        return isinstance(b, str) and _fold(a) == _fold(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return isinstance(b, (int, Decimal)) and isinstance(a, (int, Decimal)) and _decimal_equivalent(Decimal(a), Decimal(b))
    if isinstance(a, int):
        return isinstance(b, int) and a == b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(equivalent(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(equivalent(a[k], b[k]) for k in a)
    method = getattr(a, "cql_equivalent", None)
    if method is not None:
        return bool(method(b))
    reverse = getattr(b, "cql_equivalent", None)
    if reverse is not None:
        return bool(reverse(a))
    return a == b


def compare(a: Any, b: Any) -> int | None:
    """CQL ordering: -1, 0 or 1; None when either side is null or the order is uncertain."""
    if a is None or b is None:
        return None
    if isinstance(a, _SIMPLE) and isinstance(b, _SIMPLE) and not isinstance(a, bool):
        return -1 if a < b else 1 if a > b else 0
    method = getattr(a, "cql_compare", None)
    if method is not None:
        return method(b)
    reverse = getattr(b, "cql_compare", None)
    if reverse is not None:
        order = reverse(a)
        return None if order is None else -order
    raise TypeError(f"values of type {type(a).__name__} have no CQL ordering")


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).casefold()


def _decimal_equivalent(a: Decimal, b: Decimal) -> bool:
    """Equal when both are rounded to the precision of the less precise (trailing zeros do not count)."""
    exponent = max(min(a.normalize().as_tuple().exponent, 0), min(b.normalize().as_tuple().exponent, 0))  # type: ignore[type-var]
    quantum = Decimal(1).scaleb(exponent)
    return a.quantize(quantum, ROUND_HALF_UP) == b.quantize(quantum, ROUND_HALF_UP)


def _pairs_equal(pairs: Any, same: Callable[[Any, Any], bool | None]) -> bool | None:
    """Element by element, in order: two nulls are equal; the first unequal or unknown pair decides."""
    for x, y in pairs:
        if x is None and y is None:
            continue
        if x is None or y is None:
            return None
        result = same(x, y)
        if result is not True:
            return result
    return True


def _elements_equal(a: list, b: list, same: Callable[[Any, Any], bool | None]) -> bool | None:
    if len(a) != len(b):
        return False
    return _pairs_equal(zip(a, b), same)


# --- operators ---------------------------------------------------------------------------------------

_PRIMITIVE = ("Integer", "Long", "Decimal", "String", "Boolean")
_ORDERED = ("Integer", "Long", "Decimal", "String")


def _typed(node: dict[str, Any], kinds: tuple[str, ...]) -> bool:
    sig = signature(node)
    return len(sig) == 2 and all(is_system(t, *kinds) for t in sig)


def _null_propagating(node: dict[str, Any], em: Emitter, operation: str) -> str:
    """`a <operation> b` on the operands' values, null when either is null (the right one then not evaluated)."""
    left, right = node["operand"]
    a, b = em.temp(), em.temp()
    return (f"(None if ({a} := {em.expr(left)}) is None else "
            f"(None if ({b} := {em.expr(right)}) is None else {a} {operation} {b}))")


@emits("Equal")
def _equal(node: dict[str, Any], em: Emitter) -> str:
    if _typed(node, _PRIMITIVE):
        return _null_propagating(node, em, "==")
    left, right = node["operand"]
    return f"{em.constant(equal)}({em.expr(left)}, {em.expr(right)})"


@emits("NotEqual")
def _not_equal(node: dict[str, Any], em: Emitter) -> str:
    left, right = node["operand"]
    same = em.temp()
    return f"(None if ({same} := {em.constant(equal)}({em.expr(left)}, {em.expr(right)})) is None else not {same})"


@emits("Equivalent")
def _equivalent(node: dict[str, Any], em: Emitter) -> str:
    left, right = node["operand"]
    return f"{em.constant(equivalent)}({em.expr(left)}, {em.expr(right)})"


def _ordering(operation: str) -> Callable[[dict[str, Any], Emitter], str]:
    def emit(node: dict[str, Any], em: Emitter) -> str:
        if _typed(node, _ORDERED):
            return _null_propagating(node, em, operation)
        left, right = node["operand"]
        order = em.temp()
        return f"(None if ({order} := {em.constant(compare)}({em.expr(left)}, {em.expr(right)})) is None else {order} {operation} 0)"
    return emit


emits("Less")(_ordering("<"))
emits("LessOrEqual")(_ordering("<="))
emits("Greater")(_ordering(">"))
emits("GreaterOrEqual")(_ordering(">="))
