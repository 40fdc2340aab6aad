"""UCUM units: validation, exact conversion factors and unit algebra, through ucumvert's parser and pint definitions.

ucumvert parses UCUM with the grammar built from the UCUM essence and maps each atom to a pint definition; the
registry is built with `non_int_type=Decimal`, so factors come out exact (`/mm3` → `/uL` is 1, not
1.0000000000000002). Factors are cached per unit pair; values are multiplied in Decimal by the caller.

Common clinical units are answered from a table precomputed from the same parser and registry (`ucum_table`), so
neither is built unless a unit outside it appears (building them costs about a second of start-up).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .ucum_table import Table
from .ucum_table import load as load_table

#: CQL's calendar duration keywords and the UCUM unit each one stands for.
CALENDAR_UNITS = {
    "year": "a",
    "month": "mo",
    "week": "wk",
    "day": "d",
    "hour": "h",
    "minute": "min",
    "second": "s",
    "millisecond": "ms",
}
CALENDAR_UNITS.update({name + "s": code for name, code in list(CALENDAR_UNITS.items())})

_lock = threading.Lock()
_state: dict[str, Any] = {}


def _table() -> Table:
    """The precomputed answers for common units (read once)."""
    if "table" not in _state:
        with _lock:
            if "table" not in _state:
                _state["table"] = load_table()
    return _state["table"]


def _parser() -> Any:
    """The UCUM grammar parser (built once)."""
    if "parser" not in _state:
        with _lock:
            if "parser" not in _state:
                from ucumvert import get_ucum_parser

                _state["parser"] = get_ucum_parser()
    return _state["parser"]


def _registry() -> Any:
    """The pint registry with UCUM definitions and Decimal magnitudes (built once, ~0.7 s)."""
    if "registry" not in _state:
        with _lock:
            if "registry" not in _state:
                from ucumvert import PintUcumRegistry

                _state["registry"] = PintUcumRegistry(non_int_type=Decimal)
    return _state["registry"]


def ucum_code(unit: str) -> str:
    """The UCUM code of a CQL unit: calendar keywords mapped to their UCUM unit, '' to '1'."""
    if not unit:
        return "1"
    return CALENDAR_UNITS.get(unit, unit)


@lru_cache(maxsize=4096)
def is_valid(unit: str) -> bool:
    """True when the unit is a CQL calendar keyword or a valid UCUM code (annotations allowed)."""
    code = ucum_code(unit)
    if code == "1":
        return True
    known = _table().valid.get(code)
    if known is not None:
        return known
    return parsed_valid(code)


def parsed_valid(code: str) -> bool:
    """True when the UCUM grammar accepts the code (builds the parser)."""
    from ucumvert import parse_ucum

    try:
        parse_ucum(code, _parser())
    except Exception:  # any parser failure means the code is not UCUM: callers answer null, never raise
        return False
    return True


@dataclass(frozen=True, slots=True)
class Conversion:
    """value_in_target = value * scale + offset (offset only for Cel, [degF] and such)."""

    scale: Decimal
    offset: Decimal = Decimal(0)

    def apply(self, value: Decimal) -> Decimal:
        """The value converted."""
        return value * self.scale + self.offset if self.offset else value * self.scale


@lru_cache(maxsize=4096)
def conversion(source: str, target: str) -> Conversion | None:
    """How to convert values in `source` to `target`, None when either is invalid or they are not commensurable."""
    a, b = ucum_code(source), ucum_code(target)
    if a == b:
        return Conversion(Decimal(1))
    table = _table()
    if a in table.valid and b in table.valid:
        known = table.conversions.get((a, b))
        return None if known is None else Conversion(*known)
    if not (is_valid(source) and is_valid(target)):
        return None
    return registry_conversion(a, b)


def registry_conversion(a: str, b: str) -> Conversion | None:
    """The conversion between two valid UCUM codes as the pint registry computes it (builds the registry)."""
    registry = _registry()
    try:
        unit_a, unit_b = registry.from_ucum(a), registry.from_ucum(b)
        zero = registry.Quantity(Decimal(0), unit_a).to(unit_b).magnitude
        one = registry.Quantity(Decimal(1), unit_a).to(unit_b).magnitude
    except Exception:
        return None
    zero, one = Decimal(zero), Decimal(one)
    return Conversion(_tidy(one - zero), _tidy(zero))


def _tidy(value: Decimal) -> Decimal:
    """A factor without pint's padding digits: 2.540000000000000000000000000 → 2.54."""
    normal = value.normalize()
    return normal if normal.as_tuple().exponent <= 0 else normal.quantize(Decimal(1))  # type: ignore[operator]


def convert(value: Decimal, source: str, target: str) -> Decimal | None:
    """A value in `source` expressed in `target` (exact decimal arithmetic), None when it cannot be converted."""
    how = conversion(source, target)
    return None if how is None else how.apply(value)


# Unit algebra: a unit as {component: exponent}, components being UCUM simple units with their prefix.


def _terms(tree: Any, sign: int, out: dict[str, int]) -> None:
    """Collect the components of a parsed UCUM term with their signed exponents."""
    from lark import Token, Tree

    if isinstance(tree, Token):
        if tree.type == "ANNOTATION" or str(tree) in ("/", "."):
            return
        out[str(tree)] = out.get(str(tree), 0) + sign
        return
    name = tree.data
    children = tree.children
    if name == "main_term":
        if len(children) == 2:
            _terms(children[1], -sign, out)
        else:
            _terms(children[0], sign, out)
    elif name == "term":
        if len(children) == 3:
            _terms(children[0], sign, out)
            _terms(children[2], -sign if str(children[1]) == "/" else sign, out)
        else:
            _terms(children[0], sign, out)
    elif name == "component":
        _terms(children[0], sign, out)
    elif name == "annotatable":
        if len(children) == 2 and isinstance(children[1], Token) and children[1].type == "EXPONENT":
            inner: dict[str, int] = {}
            _terms(children[0], 1, inner)
            for key, exp in inner.items():
                out[key] = out.get(key, 0) + sign * exp * int(children[1])
        else:
            for child in children:
                _terms(child, sign, out)
    elif name == "simple_unit":
        key = "".join(str(c) for c in children)
        out[key] = out.get(key, 0) + sign
    else:
        for child in children:
            _terms(child, sign, out)


@lru_cache(maxsize=4096)
def components(unit: str) -> tuple[tuple[str, int], ...] | None:
    """The unit as (component, exponent) pairs in order of appearance, None when it is not valid UCUM."""
    code = ucum_code(unit)
    if code == "1":
        return ()
    known = _table().components.get(code)
    if known is not None:
        return known
    if not is_valid(unit):
        return None
    return parsed_components(code)


def parsed_components(code: str) -> tuple[tuple[str, int], ...]:
    """The components of a valid UCUM code as the grammar parses them (builds the parser)."""
    out: dict[str, int] = {}
    _terms(_parser().parse(code), 1, out)
    out.pop("1", None)
    return tuple(out.items())


def _format(parts: dict[str, int]) -> str:
    """UCUM text of components: multiplied terms first, then each divisor ('mg/kg/d', 'cm2', '1')."""
    text = ".".join(f"{k}{e if e != 1 else ''}" for k, e in parts.items() if e > 0)
    divisors = "".join(f"/{k}{-e if e != -1 else ''}" for k, e in parts.items() if e < 0)
    if not text:
        return ("1" + divisors) if divisors else "1"
    return text + divisors


@lru_cache(maxsize=4096)
def multiply(left: str, right: str, divide: bool = False) -> str | None:
    """The unit of a product (or quotient) of quantities, None when either unit is invalid."""
    a, b = components(left), components(right)
    if a is None or b is None:
        return None
    parts = dict(a)
    for key, exp in b:
        parts[key] = parts.get(key, 0) + (-exp if divide else exp)
    return _format({k: e for k, e in parts.items() if e})
