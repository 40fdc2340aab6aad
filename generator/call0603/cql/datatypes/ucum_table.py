"""The UCUM answers for common clinical units, precomputed from ucumvert and pint into a small JSON file, so that
evaluating a patient whose units are all in it never builds the pint registry or the UCUM grammar (~1 s of start-up).

The file (`ucum-table.json`, beside this module) holds, for each listed unit code, whether it is valid UCUM and its
components (for unit algebra), and for every ordered pair of valid units that are commensurable the exact conversion
pint gives. Two listed valid units without a pair do not convert. Any unit not listed is answered by ucumvert and
pint as before, so the table changes how fast an answer comes, never what it is. A test fails when the file differs
from what `python3 -m call0603.cql.datatypes.ucum_table` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

TABLE = Path(__file__).with_name("ucum-table.json")

#: The unit codes tabled: counts, concentrations, body measures, doses, durations, and common non-UCUM spellings.
UNITS: tuple[str, ...] = (
    "1", "%", "[ppth]", "{ratio}", "{score}",
    "/uL", "/mm3", "/mL", "/L", "/nL", "/pL", "10*3/uL", "10*3/mm3", "10*3/mL", "10*3/L", "10*6/uL", "10*6/mL",
    "10*6/L", "10*9/L", "10*12/L", "{cells}/uL", "{cells}/mm3", "{cells}/L",
    "g/dL", "g/L", "g/mL", "mg/dL", "mg/L", "mg/mL", "ug/mL", "ug/L", "ng/mL", "mmol/L", "umol/L",
    "m", "cm", "mm", "[in_i]", "[ft_i]",
    "kg", "g", "mg", "ug", "ng", "[lb_av]", "[oz_av]",
    "m2", "cm2", "mg/m2", "mg/kg", "ug/m2", "ug/kg", "g/m2", "[iU]", "[IU]", "[iU]/m2", "[IU]/m2", "[iU]/kg",
    "[IU]/kg", "mg/m2/d", "mg/kg/d", "mL", "L", "dL", "uL", "mm3",
    "a", "mo", "wk", "d", "h", "min", "s", "ms",
    "Cel", "[degF]", "K", "mm[Hg]", "/min", "kg/m2",
    "K/uL", "x10E3/uL", "x10E9/L", "cells/uL", "mcg", "IU", "u/L", "10^9/L", "thou/uL",
)


@dataclass(frozen=True)
class Table:
    """The precomputed answers: validity and components per unit, conversions per commensurable pair."""

    valid: dict[str, bool]
    components: dict[str, tuple[tuple[str, int], ...]]
    conversions: dict[tuple[str, str], tuple[Decimal, Decimal]]

    @classmethod
    def from_json(cls, raw: bytes) -> Table:
        """The table read from its JSON form."""
        data = orjson.loads(raw)
        units = data["units"].items()
        return cls(
            valid={unit: entry is not None for unit, entry in units},
            components={unit: tuple((k, e) for k, e in entry) for unit, entry in units if entry is not None},
            conversions={(a, b): (Decimal(scale), Decimal(offset)) for a, b, scale, offset in data["conversions"]},
        )


def load() -> Table:
    """The committed table (an empty one when the file is missing, so every answer comes from pint)."""
    try:
        return Table.from_json(TABLE.read_bytes())
    except FileNotFoundError:
        return Table({}, {}, {})


def generate(units: tuple[str, ...] = UNITS) -> bytes:
    """The table's JSON as ucumvert and pint answer for these units (slow: builds the registry)."""
    from . import ucum

    entries: dict[str, Any] = {}
    for unit in units:
        if unit == "1":
            entries[unit] = []
        elif ucum.parsed_valid(unit):
            entries[unit] = [[k, e] for k, e in ucum.parsed_components(unit)]
        else:
            entries[unit] = None
    conversions = []
    valid = [u for u in units if entries[u] is not None]
    for a in valid:
        for b in valid:
            how = None if a == b else ucum.registry_conversion(a, b)
            if how is not None:
                conversions.append([a, b, str(how.scale), str(how.offset)])
    return orjson.dumps({"units": entries, "conversions": conversions}, option=orjson.OPT_INDENT_2) + b"\n"


if __name__ == "__main__":
    TABLE.write_bytes(generate())
    print(f"wrote {TABLE}")
