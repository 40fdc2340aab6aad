"""CQL values as FHIR JSON (for dynamicValues and reports), and setting a value at a simple FHIRPath path."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..cql import Code, Concept, Tuple
from ..cql.datatypes.datetime import Date, DateTime, Time
from ..cql.datatypes.interval import Interval
from ..cql.datatypes.quantity import Quantity
from ..cql.fhir.model import MODEL, choice_key
from ..units import unit_display

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


#: The FHIR type of a CQL value, for choosing the JSON name of a choice element (dose[x] + Quantity → doseQuantity).
#: SimpleQuantity and the like are profiles of these types and share their JSON name.
_FHIR_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"), (int, "integer"), (Decimal, "decimal"), (str, "string"), (Quantity, "Quantity"),
    (Code, "Coding"), (Concept, "CodeableConcept"), (DateTime, "dateTime"), (Date, "date"), (Time, "time"),
    (Interval, "Period"),
)
_ALIASES = {"SimpleQuantity": "Quantity", "MoneyQuantity": "Quantity", "Age": "Quantity", "Duration": "Quantity"}


def fhir_type_of(value: Any) -> str | None:
    """The FHIR type name a CQL value is written as (None for FHIR data already in JSON form)."""
    for python_type, name in _FHIR_TYPES:
        if isinstance(value, python_type):
            return name
    return None


def to_fhir(value: Any) -> Any:
    """The FHIR JSON for a CQL value; FHIR resources/elements (dicts) pass through unchanged."""
    if value is None or isinstance(value, (bool, str)):
        return value
    kind = type(value)
    if kind is Tuple:  # the most frequent kinds first (a report is Tuples of lists of Tuples and FHIR elements)
        return {k: to_fhir(v) for k, v in value.items()}
    if kind is list:
        return [to_fhir(v) for v in value]
    if kind is dict:
        return value
    if isinstance(value, (int, Decimal)):
        return number(value)
    if isinstance(value, Quantity):
        out: dict[str, Any] = {"value": number(value.value), "unit": unit_display(value.unit)}
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


def _choice_named(owner: str, name: str) -> str | None:
    """The type a path step names by a choice element's JSON name (`contentString` → string), else None."""
    for cut in range(len(name) - 1, 0, -1):
        spec = MODEL.element(owner, name[:cut])
        if isinstance(spec, tuple) and spec[0] == "choice":
            return next((t for t in spec[1] if choice_key(name[:cut], t) == name), None)
    return None


def _element_name(owner: str | None, name: str, value_type: str | None, path: str) -> tuple[str, str | None]:
    """The JSON name of element `name` of FHIR type `owner` for a value of `value_type`, and the element's type."""
    if owner is None or not MODEL.has(owner):
        return name, None
    spec = MODEL.element(owner, name)
    if spec is None:
        named = _choice_named(owner, name)
        if named is not None:
            return name, named
        raise PathError(f"dynamicValue path '{path}': {owner} has no element '{name}'")
    if isinstance(spec, tuple) and spec[0] == "choice":
        chosen = [t for t in spec[1] if value_type is not None and _ALIASES.get(t, t) == value_type]
        if not chosen:
            raise PathError(f"dynamicValue path '{path}': {owner}.{name}[x] has no type for a {value_type or 'JSON'} value "
                            f"(it takes {', '.join(spec[1])})")
        return choice_key(name, _ALIASES.get(chosen[0], chosen[0])), chosen[0]
    return name, spec[1] if isinstance(spec, tuple) else spec


def set_path(target: dict[str, Any], path: str, value: Any, *, value_type: str | None = None) -> None:
    """Set `value` at a dotted path with optional indexes (`dosageInstruction[0].doseAndRate[1].dose`).

    Missing objects and list slots are created; a list element named without an index is element 0. Copy on write:
    every object and list on the path below `target` is replaced by a shallow copy before it changes, so `target`
    may share its other elements with a definition (`$apply` builds requests that way) without changing it. When
    `target` is a FHIR resource, element types come from the FHIR R4 model, so a choice element takes the JSON name
    of the value's type (`dose` + a Quantity → `doseQuantity`) and an unknown element is an error. A null value sets
    nothing (FHIR has no nulls).
    """
    if value is None:
        return
    steps = path.split(".")
    node: Any = target
    owner: str | None = target.get("resourceType") if isinstance(target.get("resourceType"), str) else None
    for i, step in enumerate(steps):
        m = _STEP.match(step)
        if not m:
            raise PathError(f"dynamicValue path '{path}': '{step}' is not a name or name[index]")
        last = i == len(steps) - 1
        name, owner = _element_name(owner, m.group(1), value_type if last else None, path)
        index = m.group(2)
        if index is None:
            if last:
                node[name] = value
                return
            child = node.get(name)
            if isinstance(child, list):
                child = node[name] = list(child) or [{}]
                child[0] = dict(child[0])
                child = child[0]
            elif child is None or isinstance(child, dict):
                child = node[name] = dict(child or {})
            else:
                raise PathError(f"dynamicValue path '{path}': '{name}' is not an object")
            node = child
            continue
        slots = node.get(name, [])
        if not isinstance(slots, list):
            raise PathError(f"dynamicValue path '{path}': '{name}' is not a list")
        slots = node[name] = list(slots)
        k = int(index)
        while len(slots) <= k:
            slots.append({})
        if last:
            slots[k] = value
            return
        node = slots[k] = dict(slots[k])
