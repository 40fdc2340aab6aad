"""Queries: sources (one, or several as a cartesian product), let, with/without, where, return, aggregate, sort."""

from __future__ import annotations

from contextlib import ExitStack
from decimal import Decimal
from functools import cmp_to_key
from itertools import product
from typing import Any, Callable

from ..datatypes import datetime as dt
from ..datatypes.long import Long
from ..datatypes.tuple import Tuple
from ..fhir.model import primitive_reader
from ..fhir.properties import generic_getter
from ..runtime.context import MISSING
from ..runtime.types import Type, element_type, result_type
from .comparison import compare
from .list import distinct
from .registry import Compiled, Compiler, Emitter, emits
from .structured import THIS


def _source_type(node: dict[str, Any]) -> tuple[Type, bool]:
    """The element type of a query source and whether the source is a single value rather than a list."""
    t = result_type(node["expression"]) or result_type(node)
    if t is not None and t[0] == "list":
        return t[1], False
    if t is None:
        return None, False
    return t, True


def _relationship(rel: dict[str, Any], compiler: Compiler) -> Callable[[Any], bool]:
    """A with/without clause as a test of the current row."""
    alias = rel["alias"]
    related = compiler.compile(rel["expression"])
    rel_type, _ = _source_type(rel)
    with compiler.scope({alias: rel_type}):  # type: ignore[attr-defined]
        such_that = compiler.compile(rel["suchThat"]) if rel.get("suchThat") else (lambda ctx: True)
    wanted = rel["type"] == "With"

    def test(ctx: Any) -> bool:
        items = related(ctx)
        if items is None:
            items = []
        elif not isinstance(items, list):
            items = [items]
        scope = ctx.vars
        saved = scope.get(alias, MISSING)
        found = False
        try:
            for item in items:
                scope[alias] = item
                if such_that(ctx) is True:
                    found = True
                    break
        finally:
            _restore(scope, alias, saved)
        return found is wanted
    return test


def _restore(scope: dict[str, Any], name: str, saved: Any) -> None:
    if saved is MISSING:
        scope.pop(name, None)
    else:
        scope[name] = saved


def _sort_key_reader(by: dict[str, Any]) -> Callable[[Any, Any], Any] | None:
    """For a sort key whose static type is a FHIR primitive, the reader of its System value (sort on values)."""
    t = result_type(by) or result_type(by.get("expression"))
    if t is not None and t[0] == "named" and t[1] == "FHIR":
        return primitive_reader(t[2])
    return None


def sort_order(x: Any, y: Any) -> int:
    """Order for sorting: CQL comparison; where precision leaves it unknown, the less precise value first."""
    result = compare(x, y)
    if result is None:
        px, py = getattr(x, "precision", None), getattr(y, "precision", None)
        if px is not None and py is not None:
            return (px > py) - (px < py)
        return 0
    return result


def _compare_keys(directions: list[bool]) -> Callable[[tuple, tuple], int]:
    def order(a: tuple, b: tuple) -> int:
        for x, y, ascending in zip(a[0], b[0], directions):
            if x is None or y is None:
                result = 0 if x is None and y is None else (-1 if x is None else 1)
            else:
                result = sort_order(x, y)
            if result:
                return result if ascending else -result
        return 0
    return order


def _sorter(sort: dict[str, Any], compiler: Compiler, row_type: Type) -> Callable[[Any, list[Any]], list[Any]]:
    """The sort clause as a function of the context and the result rows (stable; nulls first when ascending)."""
    keys: list[Callable[[Any, Any], Any]] = []
    directions: list[bool] = []
    for by in sort.get("by") or ():
        directions.append((by.get("direction") or "asc").lower() in ("asc", "ascending"))
        reader = _sort_key_reader(by)
        if by["type"] == "ByDirection":
            keys.append(lambda ctx, row: row)
        elif by["type"] == "ByColumn":
            getter = generic_getter(by["path"])

            def by_column(ctx: Any, row: Any, get: Any = getter, read: Any = reader) -> Any:
                value = get(row, ctx)
                return read(value, ctx.timezone_offset) if read is not None and value is not None else value
            keys.append(by_column)
        else:
            expression = compiler.emitter.row_function(by["expression"], THIS, row_type)  # type: ignore[attr-defined]

            def by_expression(ctx: Any, row: Any, expression: Any = expression, read: Any = reader) -> Any:
                value = expression(ctx, row)
                return read(value, ctx.timezone_offset) if read is not None and value is not None else value
            keys.append(by_expression)
    order = cmp_to_key(_compare_keys(directions))
    pairs = list(zip(keys, directions))

    def run(ctx: Any, rows: list[Any]) -> list[Any]:
        if not rows:
            return []
        columns = [[k(ctx, row) for row in rows] for k in keys]
        natives = [_native_keys(column) for column in columns]
        if None not in natives:
            positions = list(range(len(rows)))
            for native, (_, ascending) in zip(reversed(natives), reversed(pairs)):
                positions.sort(key=native.__getitem__, reverse=not ascending)  # type: ignore[union-attr]
            return [rows[i] for i in positions]
        keyed = [(row_keys, row) for row_keys, row in zip(zip(*columns), rows)]
        keyed.sort(key=order)
        return [row for _, row in keyed]
    return run


_NUMBER_KINDS = frozenset({int, Long, Decimal})


def _native_keys(values: list[Any]) -> list[tuple] | None:
    """Python sort keys ordering the values as `sort_order` does, nulls first: for strings, numbers, and dates or
    times of one precision (and one offset); None for anything else (sorted by CQL comparison instead)."""
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) == 1 and kinds <= {str, dt.Date, dt.Time, dt.DateTime} or kinds <= _NUMBER_KINDS:
        kind = next(iter(kinds), None)
        if kind in (dt.Date, dt.Time, dt.DateTime):
            known = [v for v in values if v is not None]
            first = known[0]
            if any(len(v.parts) != len(first.parts) for v in known):
                return None
            if kind is dt.DateTime and any(v.offset != first.offset for v in known):
                return None
            return [(0,) if v is None else (1, v.parts) for v in values]
        return [(0,) if v is None else (1, v) for v in values]
    return None


class _Plan:
    """The compiled parts of one query."""

    def __init__(self, node: dict[str, Any], compiler: Compiler) -> None:
        sources = node["source"]
        self.aliases = [s["alias"] for s in sources]
        self.sources = [compiler.compile(s["expression"]) for s in sources]
        self.typed = [_source_type(s) for s in sources]
        self.multi = len(sources) > 1
        self.singular = not self.multi and self.typed[0][1]
        self.lets: list[tuple[str, Compiled]] = []
        with compiler.hoisting() as self.frame:  # type: ignore[attr-defined]
            with ExitStack() as scopes:
                scopes.enter_context(compiler.scope({a: t for a, (t, _) in zip(self.aliases, self.typed)}))  # type: ignore[attr-defined]
                for let in node.get("let") or ():
                    self.lets.append((let["identifier"], compiler.compile(let["expression"])))
                    scopes.enter_context(compiler.scope({let["identifier"]: result_type(let["expression"])}))  # type: ignore[attr-defined]
                self.relations = [_relationship(r, compiler) for r in node.get("relationship") or ()]
                self.where = compiler.compile_optional(node.get("where"))  # type: ignore[attr-defined]
                ret = node.get("return")
                self.returned = compiler.compile(ret["expression"]) if ret else None
                self.distinct = bool(ret) and ret.get("distinct", True)
                aggregate = node.get("aggregate")
                self.accumulate: Compiled | None = None
                if aggregate is not None:
                    self.total_name = aggregate["identifier"]
                    self.aggregate_distinct = bool(aggregate.get("distinct", False))
                    self.starting = compiler.compile_optional(aggregate.get("starting"))  # type: ignore[attr-defined]
                    with compiler.scope({self.total_name: result_type(aggregate)}):  # type: ignore[attr-defined]
                        self.accumulate = compiler.compile(aggregate["expression"])
            if ret:
                row_type = element_type(result_type(ret)) or result_type(ret["expression"])
            elif not self.multi:
                row_type = self.typed[0][0]
            else:
                row_type = ("tuple", tuple((a, t) for a, (t, _) in zip(self.aliases, self.typed)))
            self.sorter = _sorter(node["sort"], compiler, row_type) if node.get("sort") else None
        self.names = self.aliases + [name for name, _ in self.lets]

    def combinations(self, ctx: Any) -> Any:
        """The source rows (tuples of one item per source), or None for a null singleton source."""
        if not self.multi:
            items = self.items(ctx)
            return None if items is None else [(item,) for item in items]
        lists = []
        for source, (_, single) in zip(self.sources, self.typed):
            value = source(ctx)
            if single:
                if value is None and self.singular:
                    return None
                value = [] if value is None else [value]
            lists.append(value or [])
        return product(*lists)

    def items(self, ctx: Any) -> list[Any] | None:
        """The items of a single-source query (None for a null singleton source)."""
        value = self.sources[0](ctx)
        if self.typed[0][1]:
            return None if value is None else [value]
        return value or []

    def collect(self, ctx: Any) -> list[Any] | None:
        """The rows of a query without an aggregate clause: bound, filtered and returned, in one loop."""
        if self.multi or self.lets or self.relations:
            combinations = self.combinations(ctx)
            if combinations is None:
                return None
            out: list[Any] = []
            returned, aliases = self.returned, self.aliases
            if returned is not None:
                self.each(ctx, combinations, lambda c, _: out.append(returned(c)))
            elif self.multi:
                self.each(ctx, combinations, lambda c, row: out.append(Tuple(zip(aliases, row))))
            else:
                self.each(ctx, combinations, lambda c, row: out.append(row[0]))
            return out
        items = self.items(ctx)
        if items is None:
            return None
        alias, where, returned = self.aliases[0], self.where, self.returned
        scope_vars = ctx.vars
        saved = scope_vars.get(alias, MISSING)
        out = []
        try:
            for item in items:
                scope_vars[alias] = item
                if where is not None and where(ctx) is not True:
                    continue
                out.append(item if returned is None else returned(ctx))
        finally:
            _restore(scope_vars, alias, saved)
        return out

    def each(self, ctx: Any, combinations: Any, on_row: Callable[[Any, tuple], None]) -> None:
        """Bind each combination (aliases, then lets), keep those passing with/without and where, call on_row."""
        scope_vars = ctx.vars
        saved = [scope_vars.get(n, MISSING) for n in self.names]
        aliases, lets, relations, where = self.aliases, self.lets, self.relations, self.where
        try:
            for combination in combinations:
                for alias, item in zip(aliases, combination):
                    scope_vars[alias] = item
                for name, let_value in lets:
                    scope_vars[name] = let_value(ctx)
                if relations and not all(test(ctx) for test in relations):
                    continue
                if where is not None and where(ctx) is not True:
                    continue
                on_row(ctx, combination)
        finally:
            for name, value in zip(self.names, saved):
                _restore(scope_vars, name, value)


@emits("Query")
def _query(node: dict[str, Any], em: Emitter) -> str:
    """A one-source query without with/without or aggregate, as a generated loop over its items (the alias and
    lets as locals); other queries run as closures over the context's names."""
    held = em.outer_locals(node)
    sort = node.get("sort")
    if (len(node["source"]) > 1 or node.get("relationship") or node.get("aggregate") is not None
            or (sort is not None and em.compiler.reads(sort).names & set(held))):
        return em.closure(_closure_query(node, em.compiler), node)
    source = node["source"][0]
    item_type, single = _source_type(source)
    params = {n: f"_p{i}" for i, n in enumerate(held)}
    ret = node.get("return")
    with em.function_frame(params):
        items = em.expr(source["expression"])
        with ExitStack() as scopes:
            scope = scopes.enter_context(em.binding({source["alias"]: item_type}, loop=True))
            item = scope.names[source["alias"]]
            loop = []
            for let in node.get("let") or ():
                value = em.expr(let["expression"])
                bound = scopes.enter_context(em.binding({let["identifier"]: result_type(let["expression"])}))
                loop.append(f"{bound.names[let['identifier']]} = {value}")
            if node.get("where") is not None:
                loop += [f"if {em.expr(node['where'])} is not True:", "    continue"]
            loop.append(f"_out.append({em.expr(ret['expression']) if ret else item})")
    lines = [f"_items = {items}", f"if _items is None:", f"    return {'None' if single else '[]'}"]
    if single:
        lines.append("_items = (_items,)")
    lines += [f"{h} = _M" for h in scope.hoisted]
    lines += ["_out = []", f"for {item} in _items:", *(f"    {line}" for line in loop)]
    if ret and ret.get("distinct", True):
        lines.append(f"_out = {em.constant(distinct)}(_out)")
    if sort is not None:
        row_type = (element_type(result_type(ret)) or result_type(ret["expression"])) if ret else item_type
        lines.append(f"_out = {em.constant(_sorter(sort, em.compiler, row_type))}(ctx, _out)")
    lines.append("return (_out[0] if _out else None)" if single else "return _out")
    function = em.define(("ctx", *params.values()), lines)
    return f"{em.constant(function)}({', '.join(['ctx', *held.values()])})"


def _closure_query(node: dict[str, Any], compiler: Compiler) -> Compiled:
    """A query with several sources, with/without clauses or an aggregate, over the names in ctx.vars."""
    plan = _Plan(node, compiler)
    if plan.accumulate is not None:
        return _aggregating(plan)

    def run(ctx: Any) -> Any:
        plan.frame.reset(ctx)
        out = plan.collect(ctx)
        if out is None:
            return None
        if plan.distinct:
            out = distinct(out) or []
        if plan.sorter is not None:
            out = plan.sorter(ctx, out)
        if plan.singular:
            return out[0] if out else None
        return out
    return run


def _aggregating(plan: _Plan) -> Compiled:
    """A query with an aggregate clause: the accumulator folded over the kept rows."""
    name, accumulate, starting = plan.total_name, plan.accumulate, plan.starting

    def run(ctx: Any) -> Any:
        plan.frame.reset(ctx)
        combinations = plan.combinations(ctx)
        if combinations is None:
            return None
        if plan.aggregate_distinct:
            kept: list[tuple] = []
            plan.each(ctx, combinations, lambda c, row: kept.append(row))
            combinations = [tuple(r) for r in distinct([list(r) for r in kept]) or []]
        total = [starting(ctx) if starting is not None else None]
        scope_vars = ctx.vars
        saved = scope_vars.get(name, MISSING)

        def fold(c: Any, row: tuple) -> None:
            scope_vars[name] = total[0]
            total[0] = accumulate(c)  # type: ignore[misc]
        try:
            plan.each(ctx, combinations, fold)
        finally:
            _restore(scope_vars, name, saved)
        return total[0]
    return run
