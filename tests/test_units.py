"""UCUM codes displayed as people write them, and amounts with every digit of the order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from call0603.units import amount_display, unit_display


@pytest.mark.parametrize(("code", "shown"), [
    ("[iU]", "IU"), ("[iU]/m2", "IU/m²"), ("mg", "mg"), ("mg/m2", "mg/m²"), ("/uL", "/µL"), ("10*3/uL", "10³/µL"),
    ("10*9/L", "10⁹/L"), ("ug", "µg"), ("%", "%"), ("kg", "kg"), ("mm2", "mm2"), ("mL", "mL"),
])
def test_unit_display(code: str, shown: str) -> None:
    assert unit_display(code) == shown


@pytest.mark.parametrize(("value", "code", "shown"), [
    (12.58, "mg", "12.58 mg"), (7549, "[iU]", "7,549 IU"), (70.0, "mg", "70 mg"), (Decimal("70.00"), "mg", "70 mg"),
    (0.001, "mg", "0.001 mg"), (12345.5, "[iU]", "12,345.5 IU"), (Decimal("1.885"), "mg", "1.885 mg"),
])
def test_amount_display_keeps_every_digit_of_the_order(value: float | Decimal, code: str, shown: str) -> None:
    assert amount_display(value, code) == shown
