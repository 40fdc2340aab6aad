"""Type operators: Is, As (also on FHIR choice elements), the ToX conversions, ConvertsToX, CanConvert/Convert."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from ..datatypes.code import Code, CodeSystem, Concept, ValueSet
from ..datatypes.datetime import Date, DateTime, Time
from ..datatypes.decimal import clamp_decimal, format_decimal, integer_in_range
from ..datatypes.interval import Interval
from ..datatypes.long import Long, long_in_range
from ..datatypes.quantity import Quantity, Ratio
from ..fhir.helpers import load_unit_tables, valid_unit
from ..fhir.model import MODEL
from ..fhir.properties import choice_getter, choice_keys
from ..runtime.errors import CqlRuntimeError
from ..runtime.types import Type, from_specifier, named, type_name
from .registry import Compiled, Compiler, Emitter, compiles, emits
from .literal import emit_literal, signed_integer_literal
from .structured import property_source, read_key

# --- run-time type tests -------------------------------------------------------------------------------

_SYSTEM_CLASSES: dict[str, Callable[[Any], bool]] = {
    "Any": lambda v: True,
    "Boolean": lambda v: isinstance(v, bool),
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, (bool, Long)),
    "Long": lambda v: isinstance(v, Long),
    "Decimal": lambda v: isinstance(v, Decimal),
    "String": lambda v: isinstance(v, str),
    "Date": lambda v: isinstance(v, Date),
    "DateTime": lambda v: isinstance(v, DateTime),
    "Time": lambda v: isinstance(v, Time),
    "Quantity": lambda v: isinstance(v, Quantity),
    "Ratio": lambda v: isinstance(v, Ratio),
    "Code": lambda v: isinstance(v, Code),
    "Concept": lambda v: isinstance(v, Concept),
    "Vocabulary": lambda v: isinstance(v, (ValueSet, CodeSystem)),
    "ValueSet": lambda v: isinstance(v, ValueSet),
    "CodeSystem": lambda v: isinstance(v, CodeSystem),
}

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DATETIME = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")
_TIME = re.compile(r"^\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?$")
#: Element names that tell FHIR complex data types apart when a value arrives without its type.
_SHAPES = (
    ("Quantity", ("value", "unit", "code", "comparator")), ("Period", ("start", "end")),
    ("Range", ("low", "high")), ("Ratio", ("numerator", "denominator")),
    ("CodeableConcept", ("coding", "text")), ("Coding", ("system", "code", "display")),
    ("Reference", ("reference",)), ("SampledData", ("origin", "data")), ("Timing", ("event", "repeat")),
)


def _primitive_fhir_type(value: Any, options: tuple[str, ...]) -> str | None:
    """The FHIR primitive type of a JSON value among the static options (formats tell dates from strings)."""
    if isinstance(value, bool):
        wanted = ("boolean",)
    elif isinstance(value, int):
        wanted = ("integer", "positiveInt", "unsignedInt", "decimal")
    elif isinstance(value, (float, Decimal)):
        wanted = ("decimal",)
    elif isinstance(value, str):
        wanted = ()
        if _TIME.match(value):
            wanted += ("time",)
        if _DATE.match(value):
            wanted += ("date",)
        if _DATETIME.match(value):
            wanted += ("dateTime", "instant")
        wanted += ("string", "code", "uri", "url", "canonical", "id", "markdown", "oid", "uuid", "base64Binary")
    else:
        return None
    for name in wanted:
        if not options or name in options:
            return name
    return next((o for o in options if MODEL.primitive(o) == "String"), None) if isinstance(value, str) else None


def fhir_type_of(value: Any, options: tuple[str, ...] = ()) -> str | None:
    """The FHIR type of a JSON value: its resourceType, else the static option (or shape) it fits."""
    if isinstance(value, dict):
        kind = value.get("resourceType")
        if kind is not None:
            return kind
        complex_options = tuple(o for o in options if MODEL.primitive(o) is None)
        if len(complex_options) == 1:
            return complex_options[0]
        for name, keys in _SHAPES:
            if any(k in value for k in keys):
                fitting = [o for o in complex_options if MODEL.is_subtype(o, name)]
                if fitting or not complex_options:
                    return fitting[0] if fitting else name
        return complex_options[0] if complex_options else None
    return _primitive_fhir_type(value, tuple(o for o in options if MODEL.primitive(o) is not None))


def _choice_options(t: Type) -> tuple[str, ...]:
    if t is not None and t[0] == "choice":
        return tuple(c[2] for c in t[1] if c is not None and c[0] == "named" and c[1] == "FHIR")
    if t is not None and t[0] == "named" and t[1] == "FHIR":
        return (t[2],)
    return ()


def type_test(target: Type, static: Type = None) -> Callable[[Any], bool]:
    """A run-time test `value is target` (value not null), using the operand's static type for FHIR JSON."""
    if target is None:
        raise ValueError("type test without a type")
    kind = target[0]
    if kind == "named":
        if target[1] == "System":
            test = _SYSTEM_CLASSES.get(target[2])
            if test is None:
                raise ValueError(f"no run-time test for System.{target[2]}")
            return test
        if target[1] == "FHIR":
            wanted = target[2]
            options = _choice_options(static)
            return lambda v: (found := fhir_type_of(v, options)) is not None and MODEL.is_subtype(found, wanted)
        raise ValueError(f"no run-time test for {type_name(target)}")
    if kind == "list":
        return lambda v: isinstance(v, list)
    if kind == "interval":
        return lambda v: isinstance(v, Interval)
    if kind == "tuple":
        return lambda v: isinstance(v, dict) and "resourceType" not in v
    tests = [type_test(c, static) for c in target[1]]
    return lambda v: any(t(v) for t in tests)


def _target_type(node: dict[str, Any], key: str) -> Type:
    spec = node.get(f"{key}TypeSpecifier")
    if spec is not None:
        return from_specifier(spec)
    return named(node[f"{key}Type"]) if node.get(f"{key}Type") else None


def _choice_read(node: dict[str, Any], em: Emitter, target: Type) -> str | None:
    """`X.element as FHIR.T` on a choice element: read the JSON key of that type directly."""
    operand = node["operand"]
    if target is None or target[:2] != ("named", "FHIR"):
        return None
    if operand.get("type") == "Property" and "." not in operand["path"]:
        source, source_type = property_source(operand, em)
        path = operand["path"]
    elif operand.get("type") == "IdentifierRef" and not em.compiler.in_scope(operand["name"]):
        source, source_type = property_source({}, em)  # an element of the row being sorted
        path = operand["name"]
    else:
        return None
    keys = choice_keys(source_type, path, target[2])
    if keys is None:
        return None
    if len(keys) == 1:
        return read_key(source, keys[0], em)
    return f"{em.constant(choice_getter(source_type, path, target[2]))}({source}, ctx)"


def _failed_cast(target: Type) -> Callable[[Any], Any]:
    def fail(value: Any) -> Any:
        raise CqlRuntimeError(f"cannot cast a {type(value).__name__} as {type_name(target)}")
    return fail


@emits("As")
def _as(node: dict[str, Any], em: Emitter) -> str:
    target = _target_type(node, "as")
    direct = _choice_read(node, em, target)
    if direct is not None:
        return direct
    operand = em.expr(node["operand"])
    static = em.compiler.static_type(node["operand"])
    if static is not None and static == target:
        return operand
    try:
        test = type_test(target, static)
    except ValueError as unsupported:
        raise em.compiler.error(node, str(unsupported)) from None
    value = em.temp()
    otherwise = f"{em.constant(_failed_cast(target))}({value})" if node.get("strict") else "None"
    return f"({value} if ({value} := {operand}) is None or {em.constant(test)}({value}) else {otherwise})"


@emits("Is")
def _is(node: dict[str, Any], em: Emitter) -> str:
    target = _target_type(node, "is")
    direct = _choice_read(node, em, target)
    if direct is not None:
        return f"({direct} is not None)"
    operand = em.expr(node["operand"])
    try:
        test = type_test(target, em.compiler.static_type(node["operand"]))
    except ValueError as unsupported:
        raise em.compiler.error(node, str(unsupported)) from None
    value = em.temp()
    return f"(({value} := {operand}) is not None and {em.constant(test)}({value}))"


# --- conversions -------------------------------------------------------------------------------------------

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")
_QUANTITY = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:'([^']*)'|([A-Za-z]+))?\s*$")


def to_boolean(value: Any) -> bool | None:
    """ToBoolean from String, Integer, Long, Decimal or Boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.lower()
        return True if text in _TRUE else False if text in _FALSE else None
    if isinstance(value, (int, Decimal)):
        return True if value == 1 else False if value == 0 else None
    return None


def _whole(value: Any, in_range: Callable[[int], Any]) -> Any:
    """An integral value from String, Integer, Long or Boolean, checked against a range (else null)."""
    if isinstance(value, bool):
        return in_range(int(value))
    if isinstance(value, int) or (isinstance(value, str) and _INTEGER.match(value)):
        return in_range(int(value))
    return None


def to_integer(value: Any) -> int | None:
    """ToInteger from String, Long or Boolean (out of range or malformed: null)."""
    return _whole(value, integer_in_range)


def to_long(value: Any) -> Long | None:
    """ToLong from String, Integer or Boolean."""
    return _whole(value, long_in_range)


def to_decimal(value: Any) -> Decimal | None:
    """ToDecimal from String, Integer, Long or Boolean."""
    if isinstance(value, bool):
        return Decimal(1 if value else 0).quantize(Decimal("0.0"))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(int(value))
    if isinstance(value, str) and _DECIMAL.match(value):
        try:
            return clamp_decimal(Decimal(value))
        except InvalidOperation:
            return None
    return None


def to_quantity(value: Any) -> Quantity | None:
    """ToQuantity from String ("5.5 'mg'"), Integer, Decimal (unit '1') or Ratio-free values."""
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Quantity(Decimal(int(value)) if isinstance(value, int) else value, "1")
    if isinstance(value, str):
        match = _QUANTITY.match(value)
        if not match:
            return None
        unit = match.group(2) if match.group(2) is not None else match.group(3) or "1"
        if not valid_unit(unit):
            return None
        return Quantity(clamp_decimal(Decimal(match.group(1))), unit)  # type: ignore[arg-type]
    return None


def to_string(value: Any) -> str | None:
    """ToString of any System value (Booleans as true/false, Decimals without exponent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, int):
        return str(int(value))
    return str(value)


def to_concept(value: Any) -> Concept | None:
    """ToConcept from a Code or a list of Codes."""
    if isinstance(value, Code):
        return Concept((value,))
    if isinstance(value, list):
        return Concept(tuple(value))
    return value if isinstance(value, Concept) else None


def _to_date(ctx: Any, value: Any) -> Date | None:
    if isinstance(value, Date):
        return value
    if isinstance(value, DateTime):
        return value.date()
    if isinstance(value, str):
        return Date.parse(value)
    return None


def _to_datetime(ctx: Any, value: Any) -> DateTime | None:
    if isinstance(value, DateTime):
        return value
    if isinstance(value, Date):
        return value.to_datetime(ctx.timezone_offset)
    if isinstance(value, str):
        return DateTime.parse(value, ctx.timezone_offset)
    return None


_TIME_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _to_time(ctx: Any, value: Any) -> Time | None:
    """ToTime from a String: 'hh:mm:ss.fff', optionally led by 'T'; a trailing offset is not part of a Time."""
    if isinstance(value, Time):
        return value
    if isinstance(value, str):
        text = _TIME_OFFSET.sub("", value[1:] if value.startswith("T") else value)
        return Time.parse(text)
    return None


def _to_ratio(value: Any) -> Ratio | None:
    if isinstance(value, Ratio):
        return value
    if isinstance(value, str) and value.count(":") == 1:
        left, right = value.split(":")
        numerator, denominator = to_quantity(left), to_quantity(right)
        return Ratio(numerator, denominator) if numerator is not None and denominator is not None else None
    return None


#: ToX operator → conversion of a non-null value (None when it does not convert).
CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "Boolean": to_boolean, "Integer": to_integer, "Long": to_long, "Decimal": to_decimal,
    "Quantity": to_quantity, "String": to_string, "Concept": to_concept, "Ratio": _to_ratio,
}
#: Conversions that need the evaluation's time-zone offset.
CONTEXT_CONVERSIONS: dict[str, Callable[[Any, Any], Any]] = {
    "Date": _to_date, "DateTime": _to_datetime, "Time": _to_time,
}


def _conversion(name: str) -> Callable[[dict[str, Any], Emitter], str]:
    def emit(node: dict[str, Any], em: Emitter) -> str:
        literal = signed_integer_literal(node["operand"]) if name == "Decimal" else None
        if literal is not None:  # a whole number the translator reads as a Decimal is a Decimal literal
            return emit_literal({"type": "Literal", "valueType": "System.Decimal"}, em, literal)
        value = em.temp()
        if name in CONTEXT_CONVERSIONS:
            return f"(None if ({value} := {em.expr(node['operand'])}) is None else {em.constant(CONTEXT_CONVERSIONS[name])}(ctx, {value}))"
        return f"(None if ({value} := {em.expr(node['operand'])}) is None else {em.constant(CONVERSIONS[name])}({value}))"
    return emit


def _converts(name: str) -> Callable[[dict[str, Any], Emitter], str]:
    convert = _conversion(name)

    def emit(node: dict[str, Any], em: Emitter) -> str:
        return f"(None if {em.expr(node['operand'])} is None else {convert(node, em)} is not None)"
    return emit


for _name in (*CONVERSIONS, *CONTEXT_CONVERSIONS):
    emits(f"To{_name}")(_conversion(_name))
    emits(f"ConvertsTo{_name}")(_converts(_name))


@compiles("ToChars")
def _to_chars(node: dict[str, Any], compiler: Compiler) -> Compiled:
    operand = compiler.compile(node["operand"])

    def run(ctx: Any) -> list[str] | None:
        value = operand(ctx)
        return None if value is None else list(value)
    return run


def _convert_target(node: dict[str, Any]) -> str | None:
    target = _target_type(node, "to")
    return target[2] if target is not None and target[0] == "named" and target[1] == "System" else None


@emits("Convert")
def _convert(node: dict[str, Any], em: Emitter) -> str:
    name = _convert_target(node)
    if name not in CONVERSIONS and name not in CONTEXT_CONVERSIONS:
        raise em.compiler.error(node, f"convert to {name} is not supported")
    return _conversion(name)(node, em)  # type: ignore[arg-type]


@emits("CanConvert")
def _can_convert(node: dict[str, Any], em: Emitter) -> str:
    name = _convert_target(node)
    if name not in CONVERSIONS and name not in CONTEXT_CONVERSIONS:
        raise em.compiler.error(node, f"convert to {name} is not supported")
    return _converts(name)(node, em)  # type: ignore[arg-type]


def convert_quantity(quantity: Quantity, unit: str) -> Quantity | None:
    """The quantity in another unit (kept to scale 8), null when the units do not convert."""
    value = quantity.in_unit(unit)
    value = None if value is None else clamp_decimal(value)
    return None if value is None else Quantity(value, unit)


@emits("ConvertQuantity", "CanConvertQuantity")
def _convert_quantity(node: dict[str, Any], em: Emitter) -> str:
    load_unit_tables()
    quantity, unit = (em.expr(o) for o in node["operand"])
    q, u = em.temp(), em.temp()
    if node["type"] == "CanConvertQuantity":
        result = f"{q}.in_unit({u}) is not None"
    else:
        result = f"{em.constant(convert_quantity)}({q}, {u})"
    return f"(None if (({q} := {quantity}) is None) | (({u} := {unit}) is None) else {result})"
