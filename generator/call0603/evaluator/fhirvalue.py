"""CQL values as FHIR JSON (for dynamicValues and reports), and setting a value at a simple FHIRPath path."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..cql import Code, Concept, Tuple
from ..cql.datatypes.datetime import Date, DateTime, Time
from ..cql.datatypes.interval import Interval
from ..cql.datatypes.quantity import Quantity

UCUM = "http://unitsofmeasure.org"


class PathError(ValueError):
    """A dynamicValue path this engine cannot set (it names the path and why)."""


def number(value: Decimal | int) -> int | float:
    """A JSON number with the decimal's digits (shortest float repr round-trips CQL's ≤ 28 significant digits of
    the values the package emits, which are rounded to at most 8 decimals)."""
    if isinstance(value, bool):
        raise TypeError("a Boolean is not a number")
    if isinstance(value, int):
        return int(value)
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)


def to_fhir(value: Any) -> Any:
    """The FHIR JSON for a CQL value; FHIR resources/elements (dicts) pass through unchanged."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, Decimal)):
        return number(value)
    if isinstance(value, Quantity):
        out: dict[str, Any] = {"value": number(value.value), "unit": value.unit}
        if value.unit not in ("1", ""):
            out.update(system=UCUM, code=value.unit)
        return out
    if isinstance(value, Code):
        return {k: v for k, v in (("system", value.system), ("version", value.version), ("code", value.code),
                                  ("display", value.display)) if v is not None}
    if isinstance(value, Concept):
        out = {"coding": [to_fhir(c) for c in value.codes]}
        if value.display:
            out["text"] = value.display
        return out
    if isinstance(value, (Date, DateTime, Time)):
        return str(value)
    if isinstance(value, Interval):
        return {k: to_fhir(v) for k, v in (("start", value.low), ("end", value.high)) if v is not None}
    if isinstance(value, Tuple):
        return {k: to_fhir(v) for k, v in value.items()}
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return [to_fhir(v) for v in value]
    raise TypeError(f"no FHIR form for a CQL {type(value).__name__}")


_STEP = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\[(\d+)\])?$")


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at a dotted path with optional indexes (`dosageInstruction[0].doseAndRate[1].dose`).

    Missing objects and list slots are created; a list element named without an index is element 0. A null value
    removes nothing and sets nothing (FHIR has no nulls).
    """
    if value is None:
        return
    steps = path.split(".")
    node: Any = target
    for i, step in enumerate(steps):
        m = _STEP.match(step)
        if not m:
            raise PathError(f"dynamicValue path '{path}': '{step}' is not a name or name[index]")
        name, index = m.group(1), m.group(2)
        last = i == len(steps) - 1
        if index is None:
            if last:
                node[name] = value
                return
            child = node.get(name)
            if isinstance(child, list):
                child = child[0] if child else child.append({}) or child[0]
            elif child is None:
                child = node[name] = {}
            node = child
            continue
        slots = node.setdefault(name, [])
        if not isinstance(slots, list):
            raise PathError(f"dynamicValue path '{path}': '{name}' is not a list")
        k = int(index)
        while len(slots) <= k:
            slots.append({})
        if last:
            slots[k] = value
            return
        node = slots[k]
