"""Regenerates model-4.0.1.json, the compact FHIR R4 model table, from cql-exec-fhir's model info XML.

Run `python3 -m call0603.cql.fhir.build_model` after changing the pinned cql-exec-fhir; the table is committed
so that the engine never parses XML at run time.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ...paths import TOOLS

SOURCE = TOOLS / "node_modules/cql-exec-fhir/lib/modelInfos/fhir-modelinfo-4.0.1.xml"
TARGET = Path(__file__).with_name("model-4.0.1.json")
_NS = "{urn:hl7-org:elm-modelinfo:r1}"
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _short(qualified: str) -> str:
    """FHIR.Quantity → Quantity; System.String stays System.String."""
    return qualified[5:] if qualified.startswith("FHIR.") else qualified


def _element_type(element: ET.Element) -> Any:
    """A string for one type, "T*" for a list of T, a list of strings for a choice."""
    if element.get("elementType"):
        return _short(element.get("elementType", ""))
    spec = element.find(f"{_NS}elementTypeSpecifier")
    if spec is None:
        spec = element.find(f"{_NS}typeSpecifier")
    if spec is None:
        return None
    kind = spec.get(_XSI)
    if kind == "ListTypeSpecifier":
        inner = spec.get("elementType")
        if inner is None:
            named = spec.find(f"{_NS}elementTypeSpecifier")
            inner = f"{named.get('namespace')}.{named.get('name')}" if named is not None else "System.Any"
        return _short(inner) + "*"
    if kind == "ChoiceTypeSpecifier":
        return [_short(f"{c.get('namespace')}.{c.get('name')}") for c in spec.findall(f"{_NS}choice")]
    if kind == "NamedTypeSpecifier":
        return _short(f"{spec.get('namespace')}.{spec.get('name')}")
    return None


def build(source: Path = SOURCE) -> dict[str, Any]:
    """The table: for each FHIR type its base type, whether it is a retrievable resource, and its elements."""
    root = ET.parse(source).getroot()
    types: dict[str, Any] = {}
    for info in root.findall(f"{_NS}typeInfo"):
        entry: dict[str, Any] = {"base": _short(info.get("baseType", ""))}
        if info.get("retrievable") == "true":
            entry["retrievable"] = True
        if info.get("primaryCodePath"):
            entry["primaryCodePath"] = info.get("primaryCodePath")
        elements = {e.get("name"): _element_type(e) for e in info.findall(f"{_NS}element")}
        if elements:
            entry["elements"] = elements
        types[info.get("name", "")] = entry
    return {"source": f"cql-exec-fhir {SOURCE.name}", "types": dict(sorted(types.items()))}


def main() -> None:
    """Write the table next to this module."""
    TARGET.write_text(json.dumps(build(), indent=0, sort_keys=False, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
