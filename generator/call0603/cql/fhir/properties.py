"""Reading elements: FHIR JSON (choice elements, primitives' values) and CQL structured values, chosen at load time."""

from __future__ import annotations

from typing import Any, Callable

from ..runtime.types import Type
from .model import MODEL, choice_key, primitive_reader

#: Reads an element: getter(value, ctx) (the context gives the request's time-zone offset to dateTime values).
Getter = Callable[[Any, Any], Any]

#: Element names of CQL System structured values → Python attribute names.
_ATTRIBUTES = {
    "lowClosed": "low_closed", "highClosed": "high_closed",
}


def _attribute(obj: Any, path: str) -> Any:
    value = getattr(obj, _ATTRIBUTES.get(path, path), None)
    return list(value) if isinstance(value, tuple) else value


def _choice_in_json(obj: dict[str, Any], path: str) -> Any:
    """An element read without knowing its type: `path` itself, else the one `pathXxx` key present."""
    value = obj.get(path)
    if value is not None:
        return value
    n = len(path)
    for key, found in obj.items():
        if len(key) > n and key.startswith(path) and key[n].isupper():
            return found
    return None


def generic_getter(path: str) -> Getter:
    """Read `path` from whatever value arrives (dict, tuple, or CQL structured value)."""
    def get(obj: Any, ctx: Any) -> Any:
        if obj is None:
            return None
        if isinstance(obj, dict):
            return _choice_in_json(obj, path)
        if isinstance(obj, list):
            return None
        return _attribute(obj, path)
    return get


def _keys_getter(keys: tuple[str, ...]) -> Getter:
    if len(keys) == 1:
        (key,) = keys

        def one(obj: Any, ctx: Any) -> Any:
            return obj.get(key) if isinstance(obj, dict) else None
        return one

    def first(obj: Any, ctx: Any) -> Any:
        if not isinstance(obj, dict):
            return None
        for key in keys:
            value = obj.get(key)
            if value is not None:
                return value
        return None
    return first


def element_getter(source_type: Type, path: str) -> tuple[Getter, Type]:
    """A getter for `path` on values of `source_type`, and the static type of what it returns."""
    if source_type is not None and source_type[0] == "named" and source_type[1] == "FHIR":
        fhir_type = source_type[2]
        if path == "value":
            reader = primitive_reader(fhir_type)
            if reader is not None:
                return (lambda obj, ctx: reader(obj, ctx.timezone_offset)), ("named", "System", MODEL.primitive(fhir_type))
        spec = MODEL.element(fhir_type, path)
        if isinstance(spec, tuple) and spec[0] == "choice":
            keys = tuple(choice_key(path, t) for t in spec[1])
            return _keys_getter(keys), ("choice", tuple(("named", "FHIR", t) for t in spec[1]))
        if spec is not None:
            if isinstance(spec, tuple):
                return _keys_getter((path,)), ("list", _named(spec[1]))
            return _keys_getter((path,)), _named(spec)
        if MODEL.primitive(fhir_type) is not None:
            return (lambda obj, ctx: None), None  # id/extension of a primitive: not kept in this representation
    if source_type is not None and source_type[0] == "tuple":
        for name, element in source_type[1]:
            if name == path:
                return _keys_getter((path,)), element
    return generic_getter(path), None


def _named(spec: str) -> Type:
    if spec.startswith("System."):
        return ("named", "System", spec[7:])
    return ("named", "FHIR", spec)


def json_keys(source_type: Type, path: str) -> tuple[str, ...] | None:
    """The JSON keys an element of a FHIR type is read from (one, or one per choice type); None if not plain JSON."""
    if source_type is None or source_type[0] != "named" or source_type[1] != "FHIR":
        return None
    fhir_type = source_type[2]
    if path == "value" and MODEL.primitive(fhir_type) is not None:
        return None
    spec = MODEL.element(fhir_type, path)
    if isinstance(spec, tuple) and spec[0] == "choice":
        return tuple(choice_key(path, t) for t in spec[1])
    return (path,) if spec is not None else None


def choice_keys(source_type: Type, path: str, wanted: str) -> tuple[str, ...] | None:
    """For `X.path as FHIR.wanted` on a choice element: the JSON keys of the wanted type (and subtypes) only."""
    if source_type is None or source_type[0] != "named" or source_type[1] != "FHIR":
        return None
    spec = MODEL.element(source_type[2], path)
    if not (isinstance(spec, tuple) and spec[0] == "choice"):
        return None
    return tuple(choice_key(path, t) for t in spec[1] if MODEL.is_subtype(t, wanted))


def choice_getter(source_type: Type, path: str, wanted: str) -> Getter | None:
    """A getter for `X.path as FHIR.wanted` on a choice element (see choice_keys)."""
    keys = choice_keys(source_type, path, wanted)
    return None if keys is None else _keys_getter(keys)
