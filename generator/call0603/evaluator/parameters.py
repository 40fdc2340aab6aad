"""CQL parameters of a general `$apply`, read from a FHIR Parameters resource: each `parameter.value[x]` as the
CQL value of its type; a value of a type with no CQL counterpart here is refused by name, never guessed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Mapping

from ..cql import Code, Concept
from ..cql.datatypes.datetime import Date, DateTime, Time
from ..cql.datatypes.interval import Interval
from ..cql.datatypes.quantity import Quantity


class ParameterError(ValueError):
    """A parameter that cannot be given to CQL (names it and why)."""


def _code(coding: Mapping[str, Any]) -> Code:
    return Code(coding.get("code"), coding.get("system"), coding.get("version"), coding.get("display"))


def _parsed(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def read(text: Any) -> Any:
        value = parse(str(text))
        if value is None:
            raise ValueError(f"'{text}' is not valid")
        return value
    return read


_DATETIME = _parsed(lambda t: DateTime.parse(t, None))
_READERS: dict[str, Callable[[Any], Any]] = {
    "valueBoolean": bool, "valueInteger": int, "valuePositiveInt": int, "valueUnsignedInt": int,
    "valueDecimal": lambda v: Decimal(str(v)), "valueString": str, "valueCode": str, "valueId": str,
    "valueUri": str, "valueUrl": str, "valueCanonical": str, "valueMarkdown": str,
    "valueDate": _parsed(Date.parse), "valueDateTime": _DATETIME, "valueInstant": _DATETIME,
    "valueTime": _parsed(Time.parse),
    "valuePeriod": lambda p: Interval(_DATETIME(p["start"]) if p.get("start") else None,
                                      _DATETIME(p["end"]) if p.get("end") else None, True, True),
    "valueQuantity": lambda q: Quantity(Decimal(str(q["value"])), q.get("code") or q.get("unit") or "1"),
    "valueCoding": _code,
    "valueCodeableConcept": lambda c: Concept(tuple(_code(x) for x in c.get("coding") or ()), c.get("text")),
}


def cql_parameters(resource: Mapping[str, Any]) -> dict[str, Any]:
    """{name: CQL value} of a FHIR Parameters resource."""
    if resource.get("resourceType") != "Parameters":
        raise ParameterError(f"a {resource.get('resourceType')} is not a Parameters resource")
    out: dict[str, Any] = {}
    for parameter in resource.get("parameter") or ():
        name = parameter.get("name")
        keys = [k for k in parameter if k.startswith("value")]
        if not name or len(keys) != 1:
            raise ParameterError(f"parameter '{name}' needs a name and one value[x]")
        reader = _READERS.get(keys[0])
        if reader is None:
            raise ParameterError(f"parameter '{name}': {keys[0]} has no CQL value here")
        try:
            out[name] = reader(parameter[keys[0]])
        except (ValueError, KeyError, ArithmeticError) as error:
            raise ParameterError(f"parameter '{name}': {error}") from None
    return out
