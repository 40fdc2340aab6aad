"""Where cql-execution 3.3.2 departs from the CQL specification on the kit's scenarios, by define, with why.

Each departure says what it is and how to see that a mismatch is that and nothing else: both engines' values,
brought through the departure's own normalisation, must then be the same. A listed define that differs in any
other way fails, and a listed define that no longer differs fails too, so the list can neither hide nor rot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context
from typing import Any, Callable

from ..cql.crossengine import ANY, KnownDivergence, Mismatch, same

#: The package's main library, as the cross-engine comparison names it.
MAIN = "CALL0603Reinduction"

#: Significant digits kept when setting binary floats aside: the 8-place rounding of a BSA, multiplied into a dose
#: of thousands of units, moves the 8th significant digit; a decision threshold is never that fine.
_SIGNIFICANT = Context(prec=7)


@dataclass(frozen=True)
class Departure:
    """One way cql-execution departs from the specification, and the normalisation that sets exactly it aside."""

    name: str
    reason: str
    normalize: Callable[[Any], Any]


def _walk(value: Any, leaf: Callable[[Any], Any | None]) -> Any:
    changed = leaf(value)
    if changed is not None:
        return changed
    if isinstance(value, list):
        return [_walk(v, leaf) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, leaf) for k, v in value.items()}
    return value


def _floats(value: Any) -> Any:
    def leaf(v: Any) -> Any | None:
        if isinstance(v, dict):
            for tag in ("Decimal", "Number", "Quantity"):
                if tag in v and not isinstance(v[tag], (dict, list)):
                    return {**v, tag: str(_SIGNIFICANT.create_decimal(str(v[tag])))}
        return None

    return _walk(value, leaf)


def _fhir_elements(value: Any) -> Any:
    if isinstance(value, list):
        return [_fhir_elements(v) for v in value]
    if isinstance(value, dict):
        if value.keys() == {"FHIR"}:
            return value["FHIR"]
        if "Tuple" in value and isinstance(value["Tuple"], dict):
            inner = value["Tuple"]
            if inner.keys() == {"value"} and not isinstance(inner["value"], (dict, list)):
                return inner["value"]
            return {k: _fhir_elements(v) for k, v in inner.items()}
    return value


FLOATS = Departure(
    "binary floats",
    "cql-execution computes Decimals as JavaScript floats and never rounds them to CQL's 8 decimal places, so a "
    "square root or a product of the BSA differs from the 8th significant digit on (1.2580849644510412 for "
    "1.25808497); the values agree to 7 significant digits",
    _floats,
)
FHIR_ELEMENTS = Departure(
    "FHIR elements built in CQL",
    "a FHIR Reference built in CQL (FHIR.Reference { reference: FHIR.string { ... } }) is a Tuple of wrapped "
    "elements in cql-execution and its JSON value in this engine: the same element in two representations",
    _fhir_elements,
)

_DAYS = (0, 7, 14, 21)

#: Every define where cql-execution departs on the kit's scenarios, with the departures that account for it.
LISTED: dict[str, tuple[Departure, ...]] = {
    "BSA": (FLOATS,),
    "Computed BSA": (FLOATS,),
    "Body Surface Area": (FLOATS,),
    **{f"Idarubicin Day {d} Supporting Information": (FHIR_ELEMENTS,) for d in _DAYS},
}

KNOWN_DIVERGENCES: tuple[KnownDivergence, ...] = tuple(
    KnownDivergence(MAIN, define, ANY, "; ".join(d.reason for d in departures)) for define, departures in LISTED.items()
)


def accounted_for(mismatch: Mismatch) -> bool:
    """True when the mismatch is its define's listed departures and nothing else."""
    departures = LISTED.get(mismatch.define)
    if departures is None:
        return False
    ours, theirs = mismatch.ours, mismatch.theirs
    for departure in departures:
        ours, theirs = departure.normalize(ours), departure.normalize(theirs)
    return same(ours, theirs)
