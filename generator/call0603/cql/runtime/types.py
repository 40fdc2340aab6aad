"""Static CQL types read from ELM (`resultTypeName`, `resultTypeSpecifier`, signatures), as plain tuples.

A type is one of:
  ("named", namespace, name)   e.g. ("named", "System", "Integer"), ("named", "FHIR", "Quantity")
  ("list", element)            ("interval", point)
  ("tuple", ((name, type), ...))  ("choice", (type, ...))
or None when the ELM does not say. Compile functions use them to pick an implementation at load time.
"""

from __future__ import annotations

from typing import Any, Optional

Type = Optional[tuple]

SYSTEM_URI = "urn:hl7-org:elm-types:r1"
FHIR_URI = "http://hl7.org/fhir"
_NAMESPACES = {SYSTEM_URI: "System", FHIR_URI: "FHIR"}

ANY = ("named", "System", "Any")


def named(qualified: str) -> tuple:
    """`{urn:hl7-org:elm-types:r1}Integer` or `System.Integer` or `FHIR.Quantity` → ("named", ns, name)."""
    if qualified.startswith("{"):
        uri, _, name = qualified[1:].partition("}")
        return ("named", _NAMESPACES.get(uri, uri), name)
    if "." in qualified:
        namespace, _, name = qualified.partition(".")
        return ("named", namespace, name)
    return ("named", "System", qualified)


def from_specifier(spec: dict[str, Any] | None) -> Type:
    """The type a TypeSpecifier node describes (None when absent)."""
    if not spec:
        return None
    kind = spec.get("type")
    if kind == "NamedTypeSpecifier":
        return named(spec["name"])
    if kind == "ListTypeSpecifier":
        return ("list", from_specifier(spec.get("elementType")))
    if kind == "IntervalTypeSpecifier":
        return ("interval", from_specifier(spec.get("pointType")))
    if kind == "TupleTypeSpecifier":
        return ("tuple", tuple((e["name"], from_specifier(e.get("elementType") or e.get("type"))) for e in spec.get("element", ())))
    if kind == "ChoiceTypeSpecifier":
        return ("choice", tuple(from_specifier(c) for c in spec.get("choice") or spec.get("type") or ()))
    return None


def result_type(node: dict[str, Any] | None) -> Type:
    """The static result type of an ELM expression node, as the translator annotated it."""
    if not node:
        return None
    name = node.get("resultTypeName")
    if name:
        return named(name)
    return from_specifier(node.get("resultTypeSpecifier"))


def signature(node: dict[str, Any]) -> tuple[Type, ...]:
    """The operand types of an operator node: its `signature`, else each operand's result type."""
    sig = node.get("signature")
    if sig:
        return tuple(from_specifier(s) for s in sig)
    operand = node.get("operand")
    if isinstance(operand, list):
        return tuple(result_type(o) for o in operand)
    if isinstance(operand, dict):
        return (result_type(operand),)
    return ()


def is_system(t: Type, *names: str) -> bool:
    """True when `t` is one of the named System types."""
    return t is not None and t[0] == "named" and t[1] == "System" and t[2] in names


def is_fhir(t: Type) -> bool:
    """True when `t` is a named FHIR type."""
    return t is not None and t[0] == "named" and t[1] == "FHIR"


def element_type(t: Type) -> Type:
    """The element type of a list type (None otherwise)."""
    return t[1] if t is not None and t[0] == "list" else None


def type_name(t: Type) -> str:
    """A readable name for messages: System.Integer, List<FHIR.Observation>…"""
    if t is None:
        return "?"
    if t[0] == "named":
        return f"{t[1]}.{t[2]}"
    if t[0] == "list":
        return f"List<{type_name(t[1])}>"
    if t[0] == "interval":
        return f"Interval<{type_name(t[1])}>"
    if t[0] == "tuple":
        return "Tuple{" + ", ".join(f"{n} {type_name(e)}" for n, e in t[1]) + "}"
    return "Choice<" + ", ".join(type_name(c) for c in t[1]) + ">"
