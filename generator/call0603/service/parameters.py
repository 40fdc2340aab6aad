"""FHIR Parameters in and out: the operations' inputs read (or refused by name), CQL results written as FHIR types."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from ..cql import Code, Concept, Tuple
from ..cql.datatypes.datetime import Date, DateTime, Time
from ..cql.datatypes.interval import Interval
from ..cql.datatypes.quantity import Quantity
from ..evaluator.fhirvalue import number, to_fhir
from ..evaluator.inputs import InputRefused, parse_date

SOURCE = "Parameters"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
EMPTY_LIST = "http://hl7.org/fhir/StructureDefinition/cqf-isEmptyList"

#: The CQL parameters a request may set, and the Library parameter each sets.
CQL_PARAMETERS = ("start", "asOf")


@dataclass(frozen=True)
class OperationInput:
    """What `$apply` or `$evaluate` was asked, as read from its Parameters."""

    subject: str | None
    encounter: str | None
    practitioner: str | None
    organization: str | None
    start: _dt.date | None
    as_of: _dt.date | None
    data: dict[str, Any] | None
    use_server_data: bool
    data_endpoint: dict[str, Any] | None
    expressions: tuple[str, ...]
    url: str | None
    version: str | None


def _string(p: dict[str, Any], name: str) -> str:
    for key in ("valueString", "valueUri", "valueCanonical", "valueId", "valueCode", "valueUrl"):
        if isinstance(p.get(key), str):
            return p[key]
    if isinstance(p.get("valueReference"), dict) and isinstance(p["valueReference"].get("reference"), str):
        return p["valueReference"]["reference"]
    raise InputRefused(SOURCE, f"parameter '{name}' needs a string value")


def _resource(p: dict[str, Any], name: str, kind: str) -> dict[str, Any]:
    resource = p.get("resource")
    if not isinstance(resource, dict) or resource.get("resourceType") != kind:
        raise InputRefused(SOURCE, f"parameter '{name}' needs a {kind} resource")
    return resource


def _cql_parameters(resource: dict[str, Any]) -> dict[str, _dt.date]:
    values: dict[str, _dt.date] = {}
    for p in resource.get("parameter") or []:
        name = p.get("name") if isinstance(p, dict) else None
        if name not in CQL_PARAMETERS:
            raise InputRefused(f"{SOURCE}.parameters", f"the Library has no parameter {name!r} a request may set "
                                                      f"({', '.join(CQL_PARAMETERS)})")
        text = p.get("valueDate", p.get("valueString"))
        values[name] = parse_date(text, name, f"{SOURCE}.parameters")
    return values


def read_operation(body: Any) -> OperationInput:
    """An operation's inputs from its Parameters body, refusing an unknown, repeated or ill-typed one."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise InputRefused(SOURCE, "the request body is not a FHIR Parameters resource")
    seen: dict[str, dict[str, Any]] = {}
    expressions: list[str] = []
    for p in body.get("parameter") or []:
        name = p.get("name") if isinstance(p, dict) else None
        if name == "expression":
            expressions.append(_string(p, name))
            continue
        if name not in _READERS:
            raise InputRefused(SOURCE, f"unknown parameter {name!r}")
        if name in seen:
            raise InputRefused(SOURCE, f"parameter '{name}' given twice")
        seen[name] = p
    values = {name: _READERS[name](p, name) for name, p in seen.items()}
    cql = values.get("parameters") or {}
    use = values.get("useServerData")
    return OperationInput(
        subject=values.get("subject"), encounter=values.get("encounter"), practitioner=values.get("practitioner"),
        organization=values.get("organization"), start=cql.get("start"), as_of=cql.get("asOf"),
        data=values.get("data"), use_server_data=True if use is None else use,
        data_endpoint=values.get("dataEndpoint"), expressions=tuple(expressions),
        url=values.get("url"), version=values.get("version"),
    )


def _boolean(p: dict[str, Any], name: str) -> bool:
    if not isinstance(p.get("valueBoolean"), bool):
        raise InputRefused(SOURCE, f"parameter '{name}' needs a valueBoolean")
    return p["valueBoolean"]


_READERS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "subject": _string, "encounter": _string, "practitioner": _string, "organization": _string,
    "url": _string, "version": _string,
    "parameters": lambda p, n: _cql_parameters(_resource(p, n, "Parameters")),
    "data": lambda p, n: _resource(p, n, "Bundle"),
    "dataEndpoint": lambda p, n: _resource(p, n, "Endpoint"),
    "useServerData": _boolean,
}


#: CQL value types and the Parameters value[x] they are written as.
_VALUE_KEYS: tuple[tuple[type, str], ...] = (
    (bool, "valueBoolean"), (int, "valueInteger"), (Decimal, "valueDecimal"), (str, "valueString"),
    (Quantity, "valueQuantity"), (Code, "valueCoding"), (Concept, "valueCodeableConcept"),
    (DateTime, "valueDateTime"), (Date, "valueDate"), (Time, "valueTime"),
)


def _interval(name: str, value: Interval) -> dict[str, Any]:
    bounds = [b for b in (value.low, value.high) if b is not None]
    if all(isinstance(b, Quantity) for b in bounds) and bounds:
        return {"name": name, "valueRange": {k: to_fhir(v) for k, v in (("low", value.low), ("high", value.high))
                                             if v is not None}}
    if all(isinstance(b, (Date, DateTime)) for b in bounds):
        return {"name": name, "valuePeriod": to_fhir(value)}
    return {"name": name, "valueString": str(value)}


def to_parameters(name: str, value: Any) -> list[dict[str, Any]]:
    """A CQL value as Parameters.parameter entries (a list gives one entry per item, as CPG $evaluate does)."""
    if value is None:
        return [{"name": name, "_valueBoolean": {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}}]
    if isinstance(value, list):
        if not value:
            return [{"name": name, "extension": [{"url": EMPTY_LIST, "valueBoolean": True}],
                     "_valueBoolean": {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}}]
        return [p for item in value for p in to_parameters(name, item)]
    if isinstance(value, Tuple):
        return [{"name": name, "part": [p for k, v in value.items() for p in to_parameters(k, v)]}]
    if isinstance(value, Interval):
        return [_interval(name, value)]
    if isinstance(value, dict):
        if isinstance(value.get("resourceType"), str):
            return [{"name": name, "resource": value}]
        return [{"name": name, "part": [p for k, v in value.items() for p in to_parameters(k, v)]}]
    for python_type, key in _VALUE_KEYS:
        if isinstance(value, python_type):
            return [{"name": name, key: number(value) if key in ("valueInteger", "valueDecimal") else to_fhir(value)}]
    return [{"name": name, "valueString": str(value)}]


def results_parameters(results: dict[str, Any]) -> dict[str, Any]:
    """The `$evaluate` answer: one parameter (or one per list item) for each define, in the order asked."""
    return {"resourceType": "Parameters", "parameter": [p for k, v in results.items() for p in to_parameters(k, v)]}
