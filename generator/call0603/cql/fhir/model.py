"""The FHIR R4 model as the engine needs it: element types, choice elements, primitives and type inheritance."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ..datatypes.datetime import Date, Time, parse_datetime

TABLE = Path(__file__).with_name("model-4.0.1.json")

#: A read element: a single type name, ("list", name) or ("choice", names).
ElementType = Any


class FhirModel:
    """Answers questions about FHIR types from the committed model table (see build_model.py)."""

    def __init__(self, types: dict[str, Any]) -> None:
        self._types = types

    @classmethod
    def load(cls, path: Path = TABLE) -> FhirModel:
        """The model from its JSON table."""
        return cls(json.loads(path.read_text(encoding="utf-8"))["types"])

    def type_names(self) -> tuple[str, ...]:
        """Every FHIR type name of the model."""
        return tuple(self._types)

    def has(self, name: str) -> bool:
        """True when `name` is a FHIR type."""
        return name in self._types

    def base(self, name: str) -> str | None:
        """The base type of a FHIR type (None for the roots)."""
        entry = self._types.get(name)
        base = entry.get("base") if entry else None
        return base if base and not base.startswith("System.") else None

    @lru_cache(maxsize=None)
    def ancestry(self, name: str) -> tuple[str, ...]:
        """The type and its base types, nearest first."""
        chain = []
        current: str | None = name
        while current is not None and current in self._types:
            chain.append(current)
            current = self.base(current)
        return tuple(chain)

    def is_subtype(self, name: str, ancestor: str) -> bool:
        """True when `name` is `ancestor` or derives from it (Age is a Quantity, id is a string…)."""
        return ancestor in self.ancestry(name)

    def is_resource(self, name: str) -> bool:
        """True for Resource and every type deriving from it."""
        return "Resource" in self.ancestry(name)

    @lru_cache(maxsize=None)
    def element(self, type_name: str, element: str) -> ElementType:
        """The declared type of an element of a type (inherited elements included); None if unknown."""
        for owner in self.ancestry(type_name):
            elements = self._types[owner].get("elements") or {}
            if element in elements:
                spec = elements[element]
                if isinstance(spec, list):
                    return ("choice", tuple(spec))
                if spec.endswith("*"):
                    return ("list", spec[:-1])
                return spec
        return None

    @lru_cache(maxsize=None)
    def primitive(self, name: str) -> str | None:
        """For a FHIR primitive (dateTime, code, ObservationStatus…) the System type of its value, else None."""
        spec = self.element(name, "value")
        if isinstance(spec, str) and spec.startswith("System."):
            return spec[7:]
        return None

    @lru_cache(maxsize=None)
    def json_fields(self, name: str) -> dict[str, tuple[str, bool]]:
        """Every JSON key of a type's elements (one per type of a choice element, inherited ones included): the
        element's type and whether it repeats."""
        fields: dict[str, tuple[str, bool]] = {}
        for owner in reversed(self.ancestry(name)):
            for element, spec in (self._types[owner].get("elements") or {}).items():
                if isinstance(spec, list):
                    fields.update({choice_key(element, t): (t, False) for t in spec})
                else:
                    fields[element] = (spec.removesuffix("*"), spec.endswith("*"))
        return fields

    def primary_code_path(self, name: str) -> str | None:
        """The element a retrieve by code filters on by default."""
        for owner in self.ancestry(name):
            path = self._types[owner].get("primaryCodePath")
            if path:
                return path
        return None


def choice_key(element: str, type_name: str) -> str:
    """The JSON name of one type of a choice element: value + Quantity → valueQuantity."""
    return element + type_name[0].upper() + type_name[1:]


MODEL = FhirModel.load()


# --- FHIR primitives → System values -------------------------------------------------------------------

def to_decimal(value: Any, offset: Any = None) -> Decimal | None:
    """A FHIR decimal (parsed as Decimal, int, or float by a JSON reader) as a Decimal; NaN and infinities (no
    FHIR decimal can be one) are null."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            return None
    else:
        return None
    return number if number.is_finite() else None


def to_integer(value: Any, offset: Any = None) -> int | None:
    """A FHIR integer as an int (a non-integer is null)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_boolean(value: Any, offset: Any = None) -> bool | None:
    """A FHIR boolean as a bool."""
    return value if isinstance(value, bool) else None


def to_string(value: Any, offset: Any = None) -> str | None:
    """A FHIR string-like primitive as a str."""
    return value if isinstance(value, str) else None


def to_datetime(value: Any, offset: Decimal | None = None) -> Any:
    """A FHIR dateTime/instant as a CQL DateTime (None when it does not parse); without an offset of its own
    it takes `offset`, the evaluation request's."""
    return parse_datetime(value, offset) if type(value) is str else None


def to_date(value: Any, offset: Any = None) -> Any:
    """A FHIR date as a CQL Date (None when it does not parse)."""
    return Date.parse(value) if isinstance(value, str) else None


def to_time(value: Any, offset: Any = None) -> Any:
    """A FHIR time as a CQL Time (None when it does not parse)."""
    return Time.parse(value) if isinstance(value, str) else None


#: System type of a primitive's value → the function reading it from JSON: reader(value, request offset).
PRIMITIVE_READERS: dict[str, Callable[[Any, Any], Any]] = {
    "Boolean": to_boolean, "Integer": to_integer, "Decimal": to_decimal, "String": to_string,
    "DateTime": to_datetime, "Date": to_date, "Time": to_time,
}


def primitive_reader(fhir_type: str) -> Callable[[Any, Any], Any] | None:
    """The reader of a FHIR primitive type's System value (None if the type is not primitive)."""
    system = MODEL.primitive(fhir_type)
    return PRIMITIVE_READERS.get(system) if system else None
