"""What the package reads from ELM: its defines with their result types, and its retrieves (the data it needs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping

ELM_TYPES = "{urn:hl7-org:elm-types:r1}"
FHIR_TYPES = "{http://hl7.org/fhir}"

#: CQL System types as FHIR types (ParameterDefinition.type).
SYSTEM_TO_FHIR: dict[str, str] = {
    "Boolean": "boolean", "String": "string", "Integer": "integer", "Decimal": "decimal", "Date": "date",
    "DateTime": "dateTime", "Time": "time", "Quantity": "Quantity", "Code": "Coding", "Concept": "CodeableConcept",
}


@dataclass(frozen=True)
class Define:
    """One expression define of a library: its name, FHIR type and whether it is a list."""

    name: str
    fhir_type: str
    is_list: bool


@dataclass(frozen=True)
class Retrieve:
    """One retrieve: the FHIR type read and, when filtered, the code property and the value set (or code) name."""

    data_type: str
    code_property: str | None
    value_set: str | None


def _fhir_type(spec: Mapping[str, Any] | None, name: str | None) -> tuple[str, bool]:
    if name:
        if name.startswith(ELM_TYPES):
            return SYSTEM_TO_FHIR.get(name[len(ELM_TYPES):], "Any"), False
        if name.startswith(FHIR_TYPES):
            return name[len(FHIR_TYPES):], False
        return "Any", False
    if spec is None:
        return "Any", False
    if spec.get("type") == "ListTypeSpecifier":
        inner = spec.get("elementType", {})
        return _fhir_type(inner, inner.get("name"))[0], True
    if spec.get("type") == "NamedTypeSpecifier":
        return _fhir_type(None, spec.get("name"))
    return "Any", False


def defines(elm: Mapping[str, Any]) -> list[Define]:
    """Every expression define (not functions), in source order, with its FHIR type."""
    found = []
    for d in elm["library"].get("statements", {}).get("def", []):
        if d.get("type") == "FunctionDef":
            continue
        fhir_type, is_list = _fhir_type(d.get("resultTypeSpecifier"), d.get("resultTypeName"))
        found.append(Define(d["name"], fhir_type, is_list))
    return found


def walk_nodes(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every object of an ELM tree (or part of one), depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_nodes(item)


def retrieves(elm: Mapping[str, Any]) -> list[Retrieve]:
    """Every distinct retrieve of the library, sorted by type, code property and value set."""
    found = set()
    for node in walk_nodes(elm["library"].get("statements", {})):
        if node.get("type") != "Retrieve":
            continue
        data_type = str(node["dataType"]).removeprefix(FHIR_TYPES)
        codes = node.get("codes")
        value_set = codes.get("name") if isinstance(codes, dict) and codes.get("type") == "ValueSetRef" else None
        found.add(Retrieve(data_type, node.get("codeProperty") if codes else None, value_set))
    return sorted(found, key=lambda r: (r.data_type, r.code_property or "", r.value_set or ""))


def value_set_urls(elm: Mapping[str, Any]) -> dict[str, str]:
    """Value set name → canonical URL, as the library declares them."""
    return {vs["name"]: vs["id"] for vs in elm["library"].get("valueSets", {}).get("def", [])}


def code_system_urls(elm: Mapping[str, Any]) -> dict[str, str]:
    """Code system name → URL, as the library declares them."""
    return {cs["name"]: cs["id"] for cs in elm["library"].get("codeSystems", {}).get("def", [])}


#: Optional ELM lists the translator writes empty on every node: they carry nothing.
EMPTY_LISTS_LEFT_OUT = frozenset({"annotation", "signature"})


def without_empty_annotations(node: Any) -> Any:
    """The ELM with every empty `annotation` (and function `signature`) list left out: the translator writes them on
    every node, they are optional in ELM and carry nothing, and they take a fifth of a Library's size (a FHIR string
    holds at most 1 MiB on servers)."""
    if isinstance(node, dict):
        return {k: without_empty_annotations(v) for k, v in node.items() if not (k in EMPTY_LISTS_LEFT_OUT and v == [])}
    if isinstance(node, list):
        return [without_empty_annotations(v) for v in node]
    return node
