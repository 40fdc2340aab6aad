"""FHIR JSON whose shape is not FHIR's (an object where a list belongs, a number where an object belongs, a list
where one value belongs) read as absent, so the engine sees only FHIR's shapes and the rules see a missing element.

A primitive of the wrong JSON type (`"value": "12"`, `"effectiveDateTime": 20240318`) keeps its place: the primitive
readers make it null. A conforming resource is returned as it is (no copy); only a resource with a misshapen
element is copied, without that element.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .model import MODEL

_SCALARS = (str, int, float, Decimal, bool)
#: What a misshapen element becomes: left out.
_ABSENT = object()


def _conform_one(value: Any, type_name: str) -> Any:
    """One value of an element of `type_name`: itself, a pruned copy, or _ABSENT when its shape is not that type's."""
    if value is None:
        return None
    if MODEL.primitive(type_name) is not None or type_name.startswith("System."):
        return value if isinstance(value, _SCALARS) else _ABSENT
    if not isinstance(value, dict):
        return _ABSENT
    if type_name in ("Resource", "DomainResource") and MODEL.has(str(value.get("resourceType"))):
        type_name = value["resourceType"]
    return conform(value, type_name)


def _conform_element(value: Any, type_name: str, repeats: bool) -> Any:
    if not repeats:
        return _ABSENT if isinstance(value, list) else _conform_one(value, type_name)
    if not isinstance(value, list):
        return _ABSENT
    primitive = MODEL.primitive(type_name) is not None
    items = [_conform_one(item, type_name) if item is not None or primitive else _ABSENT for item in value]
    if all(new is old for new, old in zip(items, value)):
        return value
    return [item for item in items if item is not _ABSENT]


def conform(obj: dict[str, Any], type_name: str) -> dict[str, Any]:
    """A FHIR object (a resource or a complex value) with every misshapen element left out, recursively."""
    fields = MODEL.json_fields(type_name)
    changed: dict[str, Any] | None = None
    for key, value in obj.items():
        field = fields.get(key)
        if field is None:
            continue
        new = _conform_element(value, *field)
        if new is not value:
            changed = changed if changed is not None else {}
            changed[key] = new
    if changed is None:
        return obj
    return {k: changed.get(k, v) for k, v in obj.items() if changed.get(k, v) is not _ABSENT}


def conform_resource(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource of a known type conformed to its type's shapes; one of an unknown type as it is."""
    kind = resource.get("resourceType")
    return conform(resource, kind) if isinstance(kind, str) and MODEL.has(kind) else resource
