"""The precomputed UCUM table: current with ucumvert and pint, the same answers as they give, and used without them."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from call0603.cql.datatypes import ucum, ucum_table


def test_committed_table_is_what_the_registry_answers() -> None:
    assert ucum_table.TABLE.read_bytes() == ucum_table.generate(), \
        "run `python3 -m call0603.cql.datatypes.ucum_table` and commit ucum-table.json"


def test_table_answers_equal_the_registry_for_pairs_in_and_out_of_it() -> None:
    table = ucum_table.load()
    for source, target in [("10*3/uL", "/uL"), ("[lb_av]", "kg"), ("Cel", "[degF]"), ("/uL", "g/dL"), ("mo", "d"),
                           ("K/uL", "/uL")]:
        direct = ucum.registry_conversion(source, target)
        expected = None if direct is None else (direct.scale, direct.offset)
        assert table.conversions.get((source, target)) == expected
    assert table.conversions[("Cel", "[degF]")][0] == Decimal("1.8") and table.conversions[("Cel", "[degF]")][1] > 31
    assert ("/uL", "g/dL") not in table.conversions
    assert table.valid["x10E9/L"] is False and table.valid["10*9/L"] is True
    assert table.components["mg/m2"] == (("mg", 1), ("m", -2)) == ucum.parsed_components("mg/m2")


def test_units_outside_the_table_still_convert() -> None:
    assert "mg/[lb_av]" not in ucum_table.load().valid
    assert ucum.convert(Decimal(1), "mg/[lb_av]", "mg/kg") == Decimal("2.204622621848775807229738014")
    assert ucum.is_valid("notaunit") is False


def test_tabled_units_never_build_the_registry_or_parser() -> None:
    code = ("from decimal import Decimal\n"
            "from call0603.cql.datatypes import ucum\n"
            "assert ucum.convert(Decimal('0.4'), '10*9/L', '/uL') == Decimal(400)\n"
            "assert ucum.conversion('[in_i]', 'cm').scale == Decimal('2.54')\n"
            "assert ucum.multiply('mg', 'm2', True) == 'mg/m2' and ucum.is_valid('K/uL')\n"
            "assert ucum.conversion('kg', 'cm') is None and ucum.conversion('x10E9/L', '/uL') is None\n"
            "import sys; print(sorted(m for m in ('pint', 'ucumvert', 'lark') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
