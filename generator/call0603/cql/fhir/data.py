"""One patient's FHIR resources, indexed by resource type once, as plain JSON dicts (copied only when an element's
JSON shape is not FHIR's: that element is left out, see shape.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Iterable

from ..runtime.errors import CqlRuntimeError
from .shape import conform_resource


class PatientData:
    """The resources of one patient: `of_type("Observation")` is a list built once, when the data is made."""

    __slots__ = ("by_type", "_codes")

    def __init__(self, by_type: dict[str, list[dict[str, Any]]]) -> None:
        self.by_type = by_type
        self._codes: dict[tuple[str, str], list[tuple[dict[str, Any], frozenset[tuple[Any, Any]]]]] = {}

    @classmethod
    def from_resources(cls, resources: Iterable[dict[str, Any]]) -> PatientData:
        """Index one patient's resources by `resourceType` (Bundle entries may be given as resources too)."""
        by_type: dict[str, list[dict[str, Any]]] = {}
        for resource in resources:
            kind = resource.get("resourceType")
            if kind is None:
                raise CqlRuntimeError("a FHIR resource without resourceType")
            if kind == "Bundle":
                for entry in resource.get("entry") or ():
                    inner = entry.get("resource")
                    if inner is not None:
                        by_type.setdefault(inner["resourceType"], []).append(conform_resource(inner))
                continue
            by_type.setdefault(kind, []).append(conform_resource(resource))
        return cls(by_type)

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any]) -> PatientData:
        """Index the resources of one patient's Bundle."""
        return cls.from_resources([bundle])

    @classmethod
    def from_ndjson(cls, lines: Iterable[str | bytes]) -> PatientData:
        """Index one patient's resources given as NDJSON lines (blank lines skipped; decimals kept exact)."""
        return cls.from_resources(json.loads(line, parse_float=Decimal) for line in lines if line.strip())

    def of_type(self, resource_type: str) -> list[dict[str, Any]]:
        """This patient's resources of one type (an empty list when there are none)."""
        return self.by_type.get(resource_type, [])

    def coded(self, resource_type: str, path: str) -> list[tuple[dict[str, Any], frozenset[tuple[Any, Any]]]]:
        """Each resource of a type with the (system, code) pairs of its `path` element, read once per patient."""
        key = (resource_type, path)
        found = self._codes.get(key)
        if found is None:
            from .retrieve import resource_codes

            found = []
            for resource in self.by_type.get(resource_type, ()):
                value = resource.get(path)
                if type(value) is dict and type(value.get("coding")) is list:  # a CodeableConcept, the usual case
                    pairs = frozenset([(c.get("system"), c.get("code")) for c in value["coding"]])
                else:
                    pairs = frozenset(resource_codes(value))
                found.append((resource, pairs))
            self._codes[key] = found
        return found

    @property
    def patient(self) -> dict[str, Any] | None:
        """The Patient resource (None when absent)."""
        patients = self.by_type.get("Patient")
        return patients[0] if patients else None
