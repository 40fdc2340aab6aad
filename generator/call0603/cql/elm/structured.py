"""Property access: on FHIR JSON (choice elements and primitive values resolved at load time) and CQL values."""

from __future__ import annotations

from typing import Any

from ..fhir.model import primitive_reader, to_boolean, to_string
from ..fhir.properties import element_getter, json_keys
from ..runtime.analysis import THIS
from ..runtime.types import Type
from .registry import Emitter, emits


def property_source(node: dict[str, Any], em: Emitter) -> tuple[str, Type]:
    """The source of a Property node as code (its `source`, its `scope` alias, or the sorted row) and its type."""
    if node.get("source") is not None:
        return em.expr(node["source"]), em.compiler.static_type(node["source"])
    name = node.get("scope") or THIS
    return em.name(name), em.compiler.scope_type(name)  # type: ignore[attr-defined]


def read_key(source: str, key: str, em: Emitter) -> str:
    """Code reading one JSON key of the object `source` evaluates to (null when it is not an object)."""
    value = em.temp()
    return f"({value}.get({key!r}) if isinstance(({value} := {source}), dict) else None)"


#: The primitive readers that are a type test alone, written inline.
_PLAIN_READERS = {to_string: "str", to_boolean: "bool"}


def read_element(source: str, source_type: Type, path: str, em: Emitter) -> str:
    """Code reading one element `path` (no dots) of the value `source` evaluates to."""
    keys = json_keys(source_type, path)
    if keys is not None and len(keys) == 1:
        return read_key(source, keys[0], em)
    if source_type is not None and source_type[0] == "tuple" and any(name == path for name, _ in source_type[1]):
        return read_key(source, path, em)  # a tuple is a dict of its elements
    fhir_value = path == "value" and source_type is not None and source_type[:2] == ("named", "FHIR")
    reader = primitive_reader(source_type[2]) if fhir_value else None  # type: ignore[index]
    if reader is not None:
        plain = _PLAIN_READERS.get(reader)
        if plain is not None:
            value = em.temp()
            return f"({value} if isinstance(({value} := {source}), {plain}) else None)"
        return f"{em.constant(reader)}({source}, ctx.timezone_offset)"
    getter, _ = element_getter(source_type, path)
    return f"{em.constant(getter)}({source}, ctx)"


@emits("Property")
def _property(node: dict[str, Any], em: Emitter) -> str:
    code, source_type = property_source(node, em)
    for step in node["path"].split("."):
        code, (_, source_type) = read_element(code, source_type, step, em), element_getter(source_type, step)
    return code
