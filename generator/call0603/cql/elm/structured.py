"""Property access: on FHIR JSON (choice elements and primitive values resolved at load time) and CQL values."""

from __future__ import annotations

from typing import Any

from ..fhir.properties import element_getter, json_keys
from ..runtime.analysis import THIS
from ..runtime.types import Type
from .registry import Compiled, Compiler, compiles


def property_source(node: dict[str, Any], compiler: Compiler) -> tuple[Compiled, Type]:
    """The compiled source of a Property node (its `source`, its `scope` alias, or the sorted row) and its type."""
    if node.get("source") is not None:
        return compiler.compile(node["source"]), compiler.static_type(node["source"])  # type: ignore[attr-defined]
    name = node.get("scope") or THIS
    scope_type = compiler.scope_type(name)  # type: ignore[attr-defined]

    def alias(ctx: Any) -> Any:
        return ctx.vars.get(name)
    return alias, scope_type


def _read_key(node: dict[str, Any], source: Compiled, key: str) -> Compiled:
    """One JSON key of an alias or of a source value, in one closure (the commonest property read)."""
    scope = node.get("scope") if node.get("source") is None else None
    if scope is not None:
        def from_alias(ctx: Any) -> Any:
            value = ctx.vars.get(scope)
            return value.get(key) if isinstance(value, dict) else None
        return from_alias

    def from_source(ctx: Any) -> Any:
        value = source(ctx)
        return value.get(key) if isinstance(value, dict) else None
    return from_source


@compiles("Property")
def _property(node: dict[str, Any], compiler: Compiler) -> Compiled:
    source, source_type = property_source(node, compiler)
    keys = json_keys(source_type, node["path"]) if "." not in node["path"] else None
    if keys is not None and len(keys) == 1:
        return _read_key(node, source, keys[0])
    getters = []
    for step in node["path"].split("."):
        getter, source_type = element_getter(source_type, step)
        getters.append(getter)
    if len(getters) == 1:
        (get,) = getters
        return lambda ctx: get(source(ctx), ctx)

    def chain(ctx: Any) -> Any:
        value = source(ctx)
        for get in getters:
            value = get(value, ctx)
        return value
    return chain
