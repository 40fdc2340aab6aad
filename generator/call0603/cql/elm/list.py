"""List operators, and the list overloads (In, Contains, Includes, Union…) that the interval family dispatches to.

`LIST_OPERATORS` maps an ELM node type shared with intervals or strings to the function implementing its list
overload, so that whichever family registers the node calls these when its operands are lists.
"""

from __future__ import annotations

from typing import Any, Callable

from decimal import Decimal

from ..datatypes.code import Code, Concept
from ..datatypes.datetime import Date, Time
from ..datatypes.interval import Interval
from ..datatypes.long import Long
from ..datatypes.quantity import Quantity, Ratio
from ..runtime.errors import CqlRuntimeError
from ..runtime.types import result_type
from .comparison import equal
from .registry import Compiled, Compiler, Emitter, compiles, emits



def _same(a: Any, b: Any) -> bool:
    """The element identity lists use for membership: nulls match nulls, others by CQL `=`."""
    if a is None or b is None:
        return a is None and b is None
    return equal(a, b) is True


_PRIMITIVE_TYPES = frozenset({str, int, bool, Decimal, Long})


def _bucket(value: Any) -> Any:
    """A hashable key equal for any two CQL-equal values (values with different keys are never equal)."""
    kind = type(value)
    if value is None or kind in _PRIMITIVE_TYPES:
        return value
    if isinstance(value, dict):
        if "resourceType" in value and type(value.get("id")) is str:  # equal resources have one type and id
            return ("resource", value["resourceType"], value["id"])
        mixed = 0
        for name, item in value.items():
            kind = type(item)
            if kind in _PRIMITIVE_TYPES:
                mixed ^= hash((name, item))
            elif kind is dict and "resourceType" in item and type(item.get("id")) is str:
                mixed ^= hash((name, item["resourceType"], item["id"]))
        return ("dict", mixed)
    if isinstance(value, list):
        return ("list", len(value))
    if kind is Code:
        return (value.code, value.system)
    if kind is Date or kind is Time:
        return value.parts
    return kind.__name__


def distinct(values: list[Any] | None) -> list[Any] | None:
    """Duplicates removed by CQL equality (one null kept), first occurrences in order."""
    if values is None:
        return None
    if len(values) < 2:
        return values  # nothing to remove (lists are never changed once made)
    kinds = {type(v) for v in values}
    if len(kinds) < 2 and kinds <= {str, int}:
        return list(dict.fromkeys(values))
    out: list[Any] = []
    buckets: dict[Any, list[Any]] = {}
    for value in values:
        key = _bucket(value)
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [value]
        elif any(_same(value, kept) for kept in bucket):
            continue
        else:
            bucket.append(value)
        out.append(value)
    return out


def contains(values: list[Any] | None, element: Any) -> bool | None:
    """CQL `contains` / `in` on a list: a null list contains nothing; a null element matches a null in the list;
    null when no element is equal but some comparison is unknown (differing precision)."""
    if values is None:
        return False
    if element is None:
        return any(v is None for v in values)
    if type(element) is str:
        return element in values
    unknown = False
    for value in values:
        if value is None:
            continue
        same = equal(value, element)
        if same is True:
            return True
        if same is None:
            unknown = True
    return None if unknown else False


def in_list(element: Any, values: list[Any] | None) -> bool | None:
    """CQL `in` on a list."""
    return contains(values, element)


def includes(values: list[Any] | None, other: list[Any] | None) -> bool | None:
    """Every element of `other` is in `values` (null when either list is null)."""
    if values is None or other is None:
        return None
    unknown = False
    for element in other:
        found = contains(values, element)
        if found is False:
            return False
        unknown = unknown or found is None
    return None if unknown else True


def included_in(values: list[Any] | None, other: list[Any] | None) -> bool | None:
    """Every element of `values` is in `other`."""
    return includes(other, values)


def proper_includes(values: list[Any] | None, other: list[Any] | None) -> bool | None:
    """`values` includes `other` and has more (distinct) elements."""
    inside = includes(values, other)
    if not inside:
        return inside
    return len(distinct(values) or []) > len(distinct(other) or [])


def proper_included_in(values: list[Any] | None, other: list[Any] | None) -> bool | None:
    """`values` is properly included in `other`."""
    return proper_includes(other, values)


def proper_contains(values: list[Any] | None, element: Any) -> bool | None:
    """`values` contains `element` and some element that is not it (null when that is unknown)."""
    if values is None:
        return False
    found = contains(values, element)
    if found is not True:
        return found
    unknown = False
    for value in values:
        if element is None:
            if value is not None:
                return True
            continue
        same = None if value is None else equal(value, element)
        if same is False:
            return True
        if same is None:
            unknown = True
    return None if unknown else False


def proper_in(element: Any, values: list[Any] | None) -> bool | None:
    """`element` is properly included in `values`."""
    return proper_contains(values, element)


def union(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
    """Distinct elements of both lists (a null list counts as empty)."""
    return union_lists([a, b])


def union_lists(lists: list[list[Any] | None]) -> list[Any] | None:
    """Distinct elements of every list, in order (null lists count as empty; null when all are null)."""
    joined: list[Any] = []
    known = False
    for values in lists:
        if values is not None:
            joined.extend(values)
            known = True
    return distinct(joined) if known else None


def intersect(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
    """Distinct elements of `a` that are in `b`."""
    if a is None or b is None:
        return None
    return [e for e in distinct(a) or [] if contains(b, e) is True]


def except_(a: list[Any] | None, b: list[Any] | None) -> list[Any] | None:
    """Distinct elements of `a` that are not in `b` (a null `b` removes nothing)."""
    if a is None:
        return None
    if b is None:
        return distinct(a)
    return [e for e in distinct(a) or [] if contains(b, e) is not True]


def indexer(values: list[Any] | None, index: int | None) -> Any:
    """The element at a 0-based index (null outside the list)."""
    if values is None or index is None or index < 0 or index >= len(values):
        return None
    return values[index]


def length(values: list[Any] | None) -> int | None:
    """The number of elements (0 for a null list, as CQL defines Length of a list)."""
    return 0 if values is None else len(values)


#: List overloads of ELM nodes registered by the interval/string families: node type → function of the operands.
LIST_OPERATORS: dict[str, Callable[..., Any]] = {
    "In": in_list, "Contains": contains, "Includes": includes, "IncludedIn": included_in,
    "ProperIncludes": proper_includes, "ProperIncludedIn": proper_included_in,
    "ProperContains": proper_contains, "ProperIn": proper_in,
    "Union": union, "Intersect": intersect, "Except": except_, "Indexer": indexer, "Length": length,
}


# --- list-only operators --------------------------------------------------------------------------------

def _unary(fn: Callable[[Any], Any]) -> Callable[[dict[str, Any], Emitter], str]:
    def emit(node: dict[str, Any], em: Emitter) -> str:
        return f"{em.constant(fn)}({em.expr(node['operand'])})"
    return emit


def _exists(values: list[Any] | None) -> bool:
    """CQL Exists: the list holds a non-null element (a loop: cheaper than any() over a generator here)."""
    if values:
        for value in values:
            if value is not None:
                return True
    return False


def _flatten(values: list[Any] | None) -> list[Any] | None:
    if values is None:
        return None
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out


def _singleton(values: list[Any] | None) -> Any:
    if not values:
        return None
    if len(values) > 1:
        raise CqlRuntimeError(f"singleton from a list of {len(values)} elements")
    return values[0]


def _to_list(value: Any) -> list[Any]:
    return [] if value is None else [value]


emits("Exists")(_unary(_exists))
emits("Flatten")(_unary(_flatten))
emits("Distinct")(_unary(distinct))
emits("SingletonFrom")(_unary(_singleton))
emits("ToList")(_unary(_to_list))


@emits("First", "Last")
def _first_last(node: dict[str, Any], em: Emitter) -> str:
    values = em.temp()
    index = 0 if node["type"] == "First" else -1
    return f"({values}[{index}] if ({values} := {em.expr(node['source'])}) else None)"


@compiles("IndexOf")
def _index_of(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    element = compiler.compile(node["element"])

    def run(ctx: Any) -> int | None:
        values = source(ctx)
        wanted = element(ctx)
        if values is None or wanted is None:
            return None
        for i, value in enumerate(values):
            if equal(value, wanted) is True:
                return i
        return -1
    return run


@compiles("Slice")
def _slice(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source = compiler.compile(node["source"])
    start = compiler.compile_optional(node.get("startIndex"))  # type: ignore[attr-defined]
    end = compiler.compile_optional(node.get("endIndex"))  # type: ignore[attr-defined]

    def run(ctx: Any) -> list[Any] | None:
        values = source(ctx)
        if values is None:
            return None
        low = start(ctx) if start else None
        high = end(ctx) if end else None
        low = 0 if low is None else max(low, 0)
        high = len(values) if high is None else high
        return values[low:high] if high > low else []
    return run


@compiles("Times")
def _times(node: dict[str, Any], compiler: Compiler) -> Compiled:
    left, right = (compiler.compile(o) for o in node["operand"])

    def run(ctx: Any) -> list[Any] | None:
        a, b = left(ctx), right(ctx)
        if a is None or b is None:
            return None
        return [type(x)({**x, **y}) for x in a for y in b]
    return run


def _scoped(node: dict[str, Any], compiler: Compiler) -> tuple[Compiled, Compiled, str]:
    scope = node.get("scope") or "$this"
    source = compiler.compile(node["source"])
    element_type = result_type(node["source"])
    with compiler.scope({scope: element_type[1] if element_type and element_type[0] == "list" else None}):  # type: ignore[attr-defined]
        body = compiler.compile(node.get("condition") or node.get("element"))
    return source, body, scope


def _scoped_results(ctx: Any, values: list[Any], scope: str, body: Compiled) -> list[Any]:
    """The body's value for each value bound to the scope name in turn (the name restored afterwards)."""
    scope_vars = ctx.vars
    saved = scope_vars.get(scope)
    results: list[Any] = []
    try:
        for value in values:
            scope_vars[scope] = value
            results.append(body(ctx))
    finally:
        scope_vars[scope] = saved
    return results


def _each(source: Compiled, body: Compiled, scope: str, keep: Callable[[Any, Any], list[Any]]) -> Compiled:
    def run(ctx: Any) -> list[Any] | None:
        values = source(ctx)
        if values is None:
            return None
        return [kept for value, result in zip(values, _scoped_results(ctx, values, scope, body))
                for kept in keep(value, result)]
    return run


@compiles("Repeat")
def _repeat(node: dict[str, Any], compiler: Compiler) -> Compiled:
    """ForEach again on what the previous round gave, until a round gives nothing new (by CQL equality); the
    result is every new value in the order found (the source is not part of it, as FHIRPath's repeat())."""
    source, element, scope = _scoped(node, compiler)

    def run(ctx: Any) -> list[Any] | None:
        frontier = source(ctx)
        if frontier is None:
            return None
        found: list[Any] = []
        while frontier:
            fresh: list[Any] = []
            for produced in _scoped_results(ctx, frontier, scope, element):
                for item in produced if isinstance(produced, list) else [produced]:
                    if item is not None and contains(found, item) is not True:
                        found.append(item)
                        fresh.append(item)
            frontier = fresh
        return found
    return run


def children(value: Any) -> list[Any] | None:
    """The values of a structure's elements (a list element's items one by one; nulls, a FHIR resource's type and
    its primitives' `_` siblings left out); for a list, the children of each item; null for null."""
    if value is None:
        return None
    if isinstance(value, list):
        return [child for item in value for child in children(item) or ()]
    if isinstance(value, dict):
        elements = [v for k, v in value.items() if k != "resourceType" and not k.startswith("_")]
    elif isinstance(value, (Code, Concept, Quantity, Ratio)):
        elements = [getattr(value, name) for name in value.__slots__]  # type: ignore[union-attr]
    elif isinstance(value, Interval):
        elements = [value.low, value.high]
    else:
        return []
    out: list[Any] = []
    for element in elements:
        if isinstance(element, (list, tuple)):
            out.extend(e for e in element if e is not None)
        elif element is not None:
            out.append(element)
    return out


def descendents(value: Any) -> list[Any] | None:
    """Children, then their children, and so on (level by level, as FHIRPath's descendants())."""
    if value is None:
        return None
    out: list[Any] = []
    level = children(value) or []
    while level:
        out.extend(level)
        level = [grandchild for child in level for grandchild in children(child) or ()]
    return out


def _of_source(fn: Callable[[Any], Any]) -> Callable[[dict[str, Any], Emitter], str]:
    def emit(node: dict[str, Any], em: Emitter) -> str:
        return f"{em.constant(fn)}({em.expr(node['source'])})"
    return emit


emits("Children")(_of_source(children))
emits("Descendents")(_of_source(descendents))


@compiles("Filter")
def _filter(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source, condition, scope = _scoped(node, compiler)
    return _each(source, condition, scope, lambda value, test: [value] if test is True else [])


@compiles("ForEach")
def _for_each(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source, element, scope = _scoped(node, compiler)
    return _each(source, element, scope, lambda value, result: [result] if result is not None else [])
