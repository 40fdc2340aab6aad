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
#: Types whose values are resources of any type (read by their own resourceType).
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})

#: A type's JSON keys → (repeats, element type, primitive?), built once per type.
Plan = dict[str, tuple[bool, str, bool]]
_PLANS: dict[str, Plan] = {}


def _plan(type_name: str) -> Plan:
    plan = _PLANS.get(type_name)
    if plan is None:
        plan = _PLANS[type_name] = {
            key: (repeats, element, element.startswith("System.") or MODEL.primitive(element) is not None)
            for key, (element, repeats) in MODEL.json_fields(type_name).items()
        }
    return plan


def _one(value: Any, type_name: str, primitive: bool) -> Any:
    """One value of an element: itself, a pruned copy, or _ABSENT when its shape is not its type's."""
    if primitive:
        return value if value is None or isinstance(value, _SCALARS) else _ABSENT
    if type(value) is not dict:
        return _ABSENT
    if type_name in _ANY_RESOURCE:
        kind = value.get("resourceType")
        type_name = kind if isinstance(kind, str) and MODEL.has(kind) else type_name
    return conform(value, type_name)


def _element(value: Any, repeats: bool, type_name: str, primitive: bool) -> Any:
    if not repeats:
        return _ABSENT if type(value) is list else _one(value, type_name, primitive)
    if type(value) is not list:
        return _ABSENT
    items = [_one(item, type_name, primitive) if item is not None or primitive else _ABSENT for item in value]
    for new, old in zip(items, value):
        if new is not old:
            return [item for item in items if item is not _ABSENT]
    return value


def conform(obj: dict[str, Any], type_name: str) -> dict[str, Any]:
    """A FHIR object (a resource or a complex value) with every misshapen element left out, recursively."""
    plan = _PLANS.get(type_name) or _plan(type_name)
    changed: dict[str, Any] | None = None
    for key, value in obj.items():
        spec = plan.get(key)
        if spec is None or value is None:
            continue
        repeats, element, primitive = spec
        if primitive and not repeats:
            if isinstance(value, _SCALARS):
                continue
            new = _ABSENT
        elif not repeats and type(value) is dict and element not in _ANY_RESOURCE:
            new = conform(value, element)  # the usual single complex value, without the general path's calls
        else:
            new = _element(value, repeats, element, primitive)
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
