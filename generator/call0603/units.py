"""UCUM unit codes as people write them (`[iU]` as IU, `uL` as µL, `10*9` as 10⁹, `m2` as m²), for displays beside the code."""

from __future__ import annotations

import re
from decimal import Decimal

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_POWER = re.compile(r"10\*(-?\d+)")
_MICRO = re.compile(r"(?<![A-Za-z\[])u(?=[LgmM])")
_SQUARE = re.compile(r"(?<![A-Za-z])m2\b")


def unit_display(code: str) -> str:
    """The human display of a UCUM code; the code itself stays the machine value (`Quantity.code`)."""
    text = code.replace("[iU]", "IU").replace("[IU]", "IU")
    text = _POWER.sub(lambda m: "10" + m.group(1).translate(_SUPERSCRIPT), text)
    return _SQUARE.sub("m²", _MICRO.sub("µ", text))


def amount_display(value: float | int | Decimal, code: str) -> str:
    """An amount as people read it: every digit the order has, thousands separated, the unit displayed (`7,549 IU`)."""
    exact = Decimal(str(value))
    whole = exact == exact.to_integral_value()
    digits = f"{exact.to_integral_value() if whole else exact.normalize():,f}"
    return f"{digits} {unit_display(code)}"
