"""Load-time optimisations of compiled expressions: a constant expression is evaluated once, when the library is
compiled; the parts of a query's clauses that do not depend on its rows are evaluated once per run of the query.

Both keep CQL's results exactly: an expression is folded only if evaluating it reads nothing of the evaluation
(a context refusing every read proves it) and raises no error; a hoisted part is evaluated lazily, the first time
a row needs it, so a part no row reaches is never evaluated, as before.
"""

from __future__ import annotations

from typing import Any, Callable

from .context import MISSING

Compiled = Callable[[Any], Any]

#: Node types too cheap to gain from hoisting (a reference, a literal, a cached definition).
CHEAP = frozenset({
    "Literal", "Null", "ExpressionRef", "ParameterRef", "OperandRef", "AliasRef", "QueryLetRef", "IdentifierRef",
    "CodeRef", "CodeSystemRef", "ConceptRef", "ValueSetRef", "Property", "Quantity",
})


class NotConstant(Exception):
    """Raised by the sealed context: the expression reads the evaluation, so it cannot be folded."""


class _Sealed:
    """A context whose every attribute read raises NotConstant."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        raise NotConstant(name)


_SEALED = _Sealed()


def _value_in(compiled: Compiled, ctx: Any) -> tuple[bool, Any]:
    """(True, value) when the expression evaluates in `ctx` now, else (False, None): NotConstant when it reads what
    `ctx` refuses, and any other failure (a CQL error included), which is left to be raised when evaluated."""
    try:
        return True, compiled(ctx)
    except Exception:  # noqa: BLE001
        return False, None


def sealed_value(compiled: Compiled) -> tuple[bool, Any]:
    """(True, value) when the expression evaluates now without reading the evaluation, else (False, None)."""
    return _value_in(compiled, _SEALED)


class _Pure(_Sealed):
    """A sealed context with caches of its own: every other attribute read (data, parameters, the request's time and
    offset, terminology, messages) raises NotConstant: what a call of a CQL function may read to be folded."""

    __slots__ = ("cache", "vars")

    def __init__(self) -> None:
        self.cache: dict[Any, Any] = {}
        self.vars: dict[str, Any] = {}


def pure_value(compiled: Compiled) -> tuple[bool, Any]:
    """(True, value) when a function call evaluates now reading nothing of the evaluation but the (throwaway) caches
    its functions and definitions keep, else (False, None)."""
    return _value_in(compiled, _Pure())


class HoistFrame:
    """The hoisted parts of one query: each remembered in the context's cache under its own key for one run of
    the query; `reset` forgets them when a run starts."""

    __slots__ = ("depth", "keys", "suspended")

    def __init__(self, depth: int) -> None:
        #: How many name scopes were open when the query began: names declared from there on vary by row.
        self.depth = depth
        self.keys: list[object] = []
        self.suspended = False

    def hoist(self, compiled: Compiled) -> Compiled:
        """A closure evaluating `compiled` once per run of the query."""
        key = object()
        self.keys.append(key)

        def hoisted(ctx: Any) -> Any:
            cache = ctx.cache
            value = cache.get(key, MISSING)
            if value is MISSING:
                value = cache[key] = compiled(ctx)
            return value
        return hoisted

    def reset(self, ctx: Any) -> None:
        """Forget the values of the previous run (called when a run of the query starts)."""
        if self.keys:
            cache = ctx.cache
            for key in self.keys:
                cache.pop(key, None)
