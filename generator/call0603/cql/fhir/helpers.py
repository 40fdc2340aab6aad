"""FHIRHelpers 4.0.1 executed natively: the same results as the library's ELM, without a function call per element.

Choices recorded here (see docs/cql-engine.md): a FHIR Quantity with no value, a comparator, a non-UCUM system or
an invalid UCUM unit converts to null, never to an error that would abort the patient's evaluation.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from ..datatypes import ucum
from ..datatypes.code import Code, Concept
from ..datatypes.interval import Interval
from ..datatypes.quantity import Quantity, Ratio
from ..elm.comparison import compare
from ..runtime.types import Type
from .model import to_boolean, to_date, to_datetime, to_decimal, to_integer, to_string, to_time

UCUM = "http://unitsofmeasure.org"
CALENDAR_UNITS_SYSTEM = "http://hl7.org/fhirpath/CodeSystem/calendar-units"
_CALENDAR = {"ms": "millisecond", "s": "second", "min": "minute", "h": "hour", "d": "day", "wk": "week",
             "mo": "month", "a": "year"}
_CALENDAR_WORDS = frozenset(_CALENDAR.values()) | {w + "s" for w in _CALENDAR.values()}


def to_calendar_unit(unit: str | None) -> str | None:
    """UCUM definite-duration units as CQL calendar words (FHIRHelpers.ToCalendarUnit)."""
    return _CALENDAR.get(unit, unit) if unit is not None else None


@lru_cache(maxsize=1)
def load_unit_tables() -> None:
    """Read the precomputed UCUM table once, when a library using quantities is compiled, not at the first patient."""
    ucum.conversion("g", "kg")


def valid_unit(unit: str) -> bool:
    """A CQL calendar word or a valid UCUM unit."""
    if unit in _CALENDAR_WORDS:
        return True
    return ucum.is_valid(unit)


def to_quantity(quantity: Any) -> Any:
    """FHIR Quantity → System Quantity; null when it has no value, a comparator, a non-UCUM system or a bad unit."""
    if not isinstance(quantity, dict) or quantity.get("comparator") is not None:
        return None
    return to_quantity_ignoring_comparator(quantity)


def to_quantity_ignoring_comparator(quantity: Any) -> Any:
    """FHIR Quantity → System Quantity, its comparator set aside."""
    if not isinstance(quantity, dict):
        return None
    value = to_decimal(quantity.get("value"))
    if value is None:
        return None
    system = quantity.get("system")
    if system is not None and system not in (UCUM, CALENDAR_UNITS_SYSTEM):
        return None
    unit = quantity.get("code")
    if unit is None:
        unit = quantity.get("unit")
    unit = to_calendar_unit(unit if unit is not None else "1")
    if not isinstance(unit, str) or not valid_unit(unit):
        return None
    return Quantity(value, unit)


def to_ratio(ratio: Any) -> Any:
    """FHIR Ratio → System Ratio of the two converted quantities."""
    if not isinstance(ratio, dict):
        return None
    return Ratio(to_quantity(ratio.get("numerator")), to_quantity(ratio.get("denominator")))


def _interval(low: Any, high: Any, low_closed: bool, high_closed: bool, kind: str) -> Any:
    """As the Interval selector builds it (a closed null boundary stays null and means unbounded); a boundary
    order that makes no interval (an end before the start) is null here, so the bad data is ignored."""
    interval = Interval(low, high, low_closed, high_closed, kind)
    if low is not None and high is not None and compare(interval.end(), interval.start()) == -1:
        return None
    return interval


def period_to_interval(period: Any, offset: Decimal | None = None) -> Any:
    """FHIR Period → Interval<DateTime>; a missing start makes the low end open (unknown), as FHIRHelpers does."""
    if not isinstance(period, dict):
        return None
    start = to_datetime(period.get("start"), offset)
    end = to_datetime(period.get("end"), offset)
    if period.get("start") is None:
        return _interval(start, end, False, True, "DateTime")
    return _interval(start, end, True, True, "DateTime")


def range_to_interval(range_: Any) -> Any:
    """FHIR Range → Interval<Quantity>, closed at both ends."""
    if not isinstance(range_, dict):
        return None
    return _interval(to_quantity(range_.get("low")), to_quantity(range_.get("high")), True, True, "Quantity")


def quantity_to_interval(quantity: Any) -> Any:
    """FHIR Quantity → the Interval<Quantity> its comparator stands for (a point when it has none)."""
    if not isinstance(quantity, dict):
        return None
    comparator = quantity.get("comparator")
    if comparator is None:
        point = to_quantity(quantity)
        return _interval(point, point, True, True, "Quantity")
    value = to_quantity_ignoring_comparator(quantity)
    bounds = {"<": (None, value, True, False), "<=": (None, value, True, True),
              ">=": (value, None, True, True), ">": (value, None, False, True)}.get(comparator)
    return _interval(*bounds, "Quantity") if bounds else None


def to_code(coding: Any) -> Code | None:
    """FHIR Coding → System Code."""
    if not isinstance(coding, dict):
        return None
    return Code(coding.get("code"), coding.get("system"), coding.get("version"), coding.get("display"))


def to_concept(concept: Any) -> Concept | None:
    """FHIR CodeableConcept → System Concept."""
    if not isinstance(concept, dict):
        return None
    return Concept(tuple(to_code(c) for c in concept.get("coding") or ()), concept.get("text"))  # type: ignore[misc]


_BY_NAME: dict[str, Callable[[Any], Any]] = {
    "ToString": to_string, "ToBoolean": to_boolean, "ToInteger": to_integer, "ToDecimal": to_decimal,
    "ToDate": to_date, "ToTime": to_time, "ToQuantity": to_quantity,
    "ToRatio": to_ratio, "ToCode": to_code, "ToConcept": to_concept,
    "ToQuantityIgnoringComparator": to_quantity_ignoring_comparator,
}
_INTERVALS = {"Range": range_to_interval, "Quantity": quantity_to_interval}
#: Functions whose result depends on the request's time-zone offset: fn(value, offset).
_WITH_OFFSET: dict[tuple[str, str | None], Callable[[Any, Any], Any]] = {
    ("ToDateTime", "dateTime"): to_datetime, ("ToDateTime", "instant"): to_datetime,
    ("ToInterval", "Period"): period_to_interval,
}


def _fhir_argument(argument_types: tuple[Type, ...]) -> str | None:
    arg = argument_types[0] if len(argument_types) == 1 else None
    return arg[2] if arg is not None and arg[0] == "named" and arg[1] == "FHIR" else None


def native_with_offset(name: str, argument_types: tuple[Type, ...]) -> Callable[[Any, Any], Any] | None:
    """A native FHIRHelpers function taking (value, request offset), for those that read dateTimes."""
    return _WITH_OFFSET.get((name, _fhir_argument(argument_types)))


def native(name: str, argument_types: tuple[Type, ...]) -> Callable[..., Any] | None:
    """The native implementation of a FHIRHelpers function for these argument types (None: run the ELM)."""
    if len(argument_types) != 1:
        return None
    (arg,) = argument_types
    fhir_arg = arg[2] if arg is not None and arg[0] == "named" and arg[1] == "FHIR" else None
    if name in ("ToQuantity", "ToInterval", "ToRatio", "ToQuantityIgnoringComparator"):
        load_unit_tables()
    if name == "ToInterval":
        return _INTERVALS.get(fhir_arg or "")
    if name == "ToCalendarUnit":
        return to_calendar_unit if arg is None or arg == ("named", "System", "String") else None
    if fhir_arg is None and arg is not None:
        return None
    return _BY_NAME.get(name)
