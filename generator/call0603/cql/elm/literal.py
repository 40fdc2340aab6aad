"""Literals and selectors: Literal, Null, List, Tuple, Instance, Code, Concept, Quantity, Ratio."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..datatypes.code import Code, CodeSystem, Concept, ValueSet
from ..datatypes.datetime import Date, DateTime, Time
from ..datatypes.decimal import MAX_DECIMAL, MAX_INTEGER, MAX_LONG, MIN_INTEGER, MIN_LONG, decimal_precision
from ..datatypes.long import Long
from ..datatypes.quantity import Quantity, Ratio
from ..datatypes.tuple import Tuple
from ..fhir.helpers import load_unit_tables
from ..fhir.model import MODEL, choice_key
from ..runtime.errors import CqlRuntimeError
from ..runtime.types import named
from .registry import Compiled, Compiler, Emitter, compiles, emits


def _in_range(value: int, low: int, high: int, kind: str, text: str) -> int:
    if not low <= value <= high:
        raise ValueError(f"{kind} literal {text} is outside CQL's range ({low} to {high})")
    return value


def literal_value(value_type: str, text: str) -> Any:
    """The Python value of an ELM Literal of a System type (ValueError when the text does not fit)."""
    kind = named(value_type)[2]
    if kind == "Integer":
        return _in_range(int(text), MIN_INTEGER, MAX_INTEGER, "Integer", text)
    if kind == "Long":
        return Long(_in_range(int(text), MIN_LONG, MAX_LONG, "Long", text))
    if kind == "Decimal":
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"invalid Decimal literal {text!r}") from None
        if abs(value) > MAX_DECIMAL or decimal_precision(value) > 8:
            raise ValueError(f"Decimal literal {text} is outside CQL's range (28 digits, 8 after the point)")
        return value
    if kind == "String":
        return text
    if kind == "Boolean":
        if text not in ("true", "false"):
            raise ValueError(f"invalid Boolean literal {text!r}")
        return text == "true"
    raise ValueError(f"literal of type {kind} is not supported")


def emit_literal(node: dict[str, Any], em: Emitter, text: str) -> str:
    """A literal of the node's type written as `text`; one CQL cannot represent (out of range) is an error when
    evaluated, as the spec says."""
    try:
        return em.constant(literal_value(node["valueType"], text))
    except ValueError as bad:
        message = str(bad)

        def invalid(ctx: Any) -> Any:
            raise CqlRuntimeError(message)
        return em.closure(invalid, node)


@emits("Literal")
def _literal(node: dict[str, Any], em: Emitter) -> str:
    return emit_literal(node, em, node.get("value", ""))


def signed_integer_literal(node: dict[str, Any]) -> str | None:
    """The text of an Integer or Long literal, or of one negated (the translator writes -5 as Negate(5)); else None."""
    negated = node.get("type") == "Negate"
    literal = node["operand"] if negated else node
    if literal.get("type") != "Literal" or named(literal["valueType"])[2] not in ("Integer", "Long"):
        return None
    text = literal.get("value", "")
    if not negated:
        return text
    return text[1:] if text.startswith("-") else "-" + text


@emits("Null")
def _null(node: dict[str, Any], em: Emitter) -> str:
    return "None"


@emits("List")
def _list(node: dict[str, Any], em: Emitter) -> str:
    """A list selector (one of constants is built once, when compiled: operators never change a list in place)."""
    return "[" + ", ".join(em.expr(e) for e in node.get("element") or ()) + "]"


@emits("Tuple")
def _tuple(node: dict[str, Any], em: Emitter) -> str:
    elements = ", ".join(f"{e['name']!r}: {em.expr(e['value'])}" for e in node.get("element") or ())
    return f"{em.constant(Tuple)}({{{elements}}})"


@emits("Code")
def _code(node: dict[str, Any], em: Emitter) -> str:
    system_ref = node.get("system")
    system = None
    if system_ref is not None:
        owner = em.compiler.target(system_ref.get("libraryName"), node)
        try:
            system = owner.codesystems[system_ref["name"]]
        except KeyError:
            raise em.compiler.error(node, f"code system {system_ref['name']!r} is not defined") from None
    return em.constant(Code(node["code"], system.id if system else None, system.version if system else None, node.get("display")))


@compiles("Concept")
def _concept(node: dict[str, Any], compiler: Compiler) -> Compiled:
    codes = [compiler.compile(c) for c in node.get("code") or ()]
    display = node.get("display")
    return lambda ctx: Concept(tuple(c(ctx) for c in codes), display)


@emits("Quantity")
def _quantity(node: dict[str, Any], em: Emitter) -> str:
    value = node.get("value")
    if value is None:
        return "None"
    load_unit_tables()
    return em.constant(Quantity(Decimal(str(value)), node.get("unit") or "1"))


@compiles("Ratio")
def _ratio(node: dict[str, Any], compiler: Compiler) -> Compiled:
    numerator = compiler.compile({"type": "Quantity", **node["numerator"]})
    denominator = compiler.compile({"type": "Quantity", **node["denominator"]})
    return lambda ctx: Ratio(numerator(ctx), denominator(ctx))


#: System class types an Instance selector builds as value objects, with the Python keyword of each element.
_SYSTEM_INSTANCES = {
    "Code": (Code, {"code": "code", "system": "system", "version": "version", "display": "display"}),
    "Concept": (Concept, {"codes": "codes", "display": "display"}),
    "ValueSet": (ValueSet, {"id": "id", "version": "version", "codesystems": "codesystems"}),
    "CodeSystem": (CodeSystem, {"id": "id", "version": "version"}),
}


def make_quantity(value: Any, unit: str | None) -> Quantity | None:
    """A System.Quantity instance: null without a value, unit '1' without a unit."""
    return None if value is None else Quantity(Decimal(value), unit or "1")


@emits("Instance")
def _emit_instance(node: dict[str, Any], em: Emitter) -> str:
    """A System.Quantity built by generated code; every other class by the closure below."""
    elements = {e["name"]: e["value"] for e in node.get("element") or ()}
    if named(node["classType"]) == ("named", "System", "Quantity") and set(elements) <= {"value", "unit"}:
        arguments = [em.expr(elements[n]) if n in elements else "None" for n in ("value", "unit")]
        return f"{em.constant(make_quantity)}({', '.join(arguments)})"
    return em.closure(_instance(node, em.compiler), node)  # type: ignore[attr-defined]


def _instance(node: dict[str, Any], compiler: Compiler) -> Compiled:
    class_type = named(node["classType"])
    elements = [(e["name"], compiler.compile(e["value"])) for e in node.get("element") or ()]
    if class_type[1] == "System":
        name = class_type[2]
        if name in _SYSTEM_INSTANCES:
            cls, fields = _SYSTEM_INSTANCES[name]
            unknown = [n for n, _ in elements if n not in fields]
            if unknown:
                raise compiler.error(node, f"System.{name} has no element {unknown[0]!r}")

            def build(ctx: Any) -> Any:
                values = {fields[n]: v(ctx) for n, v in elements}
                if cls is Concept:
                    codes = values.get("codes")
                    values["codes"] = tuple(codes) if isinstance(codes, list) else (codes,) if codes is not None else ()
                    return Concept(**values)
                if cls is ValueSet:
                    values["codesystems"] = tuple(values.get("codesystems") or ())
                    return ValueSet(**values)
                if cls is CodeSystem:
                    return CodeSystem(**values)
                return Code(**{"code": None, **values})
            return build
        if name in ("Quantity", "Ratio"):
            cls = Quantity if name == "Quantity" else Ratio

            def build_value(ctx: Any) -> Any:
                values = {n: v(ctx) for n, v in elements}
                if name == "Quantity":
                    return make_quantity(values.get("value"), values.get("unit"))
                return cls(values.get("numerator"), values.get("denominator"))
            return build_value
        raise compiler.error(node, f"Instance of System.{name} is not supported")

    if class_type[1] == "FHIR" and MODEL.primitive(class_type[2]) is not None and {n for n, _ in elements} <= {"value"}:
        # A FHIR primitive is its JSON value (docs/engine-design.md), the same whether read from data or built here.
        value_of = elements[0][1] if elements else (lambda ctx: None)

        def build_primitive(ctx: Any) -> Any:
            value = value_of(ctx)
            return str(value) if isinstance(value, (Date, DateTime, Time)) else value
        return build_primitive

    keys = [(n, _json_key(compiler, class_type, e)) for (n, _), e in zip(elements, node.get("element") or ())]

    def build_structure(ctx: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (n, v), (_, key) in zip(elements, keys):
            value = v(ctx)
            if value is not None:
                out[key(value) if callable(key) else key] = value
        if class_type[1] == "FHIR" and class_type[2][:1].isupper() and _is_resource(compiler, class_type):
            out["resourceType"] = class_type[2]
        return out
    return build_structure


#: The FHIR type a choice element's value is stored as, by the CQL value's Python type (System values built in CQL).
_FHIR_TYPE_OF = ((bool, "boolean"), (int, "integer"), (Decimal, "decimal"), (str, "string"), (Quantity, "Quantity"),
                 (Ratio, "Ratio"), (Code, "Coding"), (Concept, "CodeableConcept"), (DateTime, "dateTime"),
                 (Date, "date"), (Time, "time"))
#: The FHIR type of an element's JSON object, by a key only that type has (FHIR data passed through).
_JSON_SHAPES = (("coding", "CodeableConcept"), ("reference", "Reference"), ("start", "Period"), ("end", "Period"),
                ("numerator", "Ratio"), ("low", "Range"), ("high", "Range"), ("value", "Quantity"),
                ("code", "Coding"))


def _json_key(compiler: Compiler, class_type: tuple, element: dict[str, Any]) -> Any:
    """The JSON name of an element of a FHIR Instance: its name, or, for a choice element (`medication[x]`), the
    name of the value's type (`medicationCodeableConcept`), fixed when the value's static type is known, else chosen
    from the value when it is built."""
    name = element["name"]
    if class_type[1] != "FHIR":
        return name
    spec = MODEL.element(class_type[2], name)
    if not (isinstance(spec, tuple) and spec[0] == "choice"):
        return name
    choices = spec[1]
    static = compiler.static_type(element["value"])
    if static is not None and static[0] == "named" and static[1] == "FHIR" and static[2] in choices:
        return choice_key(name, static[2])

    def key(value: Any) -> str:
        found = next((t for cls, t in _FHIR_TYPE_OF if isinstance(value, cls)), None)
        if isinstance(value, dict):
            found = next((t for k, t in _JSON_SHAPES if k in value), None)
        if found not in choices:
            raise CqlRuntimeError(f"{class_type[2]}.{name}[x] takes {', '.join(choices)}, not this "
                                  f"{found or type(value).__name__} value")
        return choice_key(name, found)
    return key


def _is_resource(compiler: Compiler, class_type: tuple) -> bool:
    return MODEL.is_resource(class_type[2])

