"""The guideline's numbers as people read them, and the `{name}` placeholders free text may use to cite them.

Free text in guideline/ (the package description, concept definitions) never repeats a number: it names it,
`{anc_below}`, and the loader fills in the value, so an edit to the number shows in every text.
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Mapping

from .model import Amount, Assessment, Regimen

#: Units written against the number (`500/uL`, `5%`); others take a space (`10 g/dL`).
_ATTACHED = ("%", "/uL")


def number_text(value: Decimal | int) -> str:
    """A number with thousands separators and no superfluous zeros: 50000 → 50,000; 1.50 → 1.5."""
    exact = Decimal(value).normalize()
    whole, _, fraction = format(exact, "f").partition(".")
    grouped = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    return f"{grouped}.{fraction}" if fraction else grouped


def amount_text(amount: Amount) -> str:
    """`500/uL`, `5%`, `7.5 g/dL`: an amount as the texts write it."""
    unit = amount.unit
    return f"{number_text(amount.value)}{unit}" if unit in _ATTACHED else f"{number_text(amount.value)} {unit}"


def placeholder_values(assessment: Assessment, regimen: Regimen) -> dict[str, str]:
    """Every value free text may name, by placeholder name."""
    a, w = assessment, regimen.withholding
    return {
        "age_min": number_text(a.age_years.min),
        "age_below": number_text(a.age_years.below),
        "m2_from": amount_text(a.m2_from),
        "m3_above": amount_text(a.m3_above),
        "relapse_marrow_above": amount_text(a.relapse_marrow_above),
        "csf_wbc_above": amount_text(a.csf_wbc_above),
        "anc_below": amount_text(w.anc_below),
        "platelets_below": amount_text(w.platelets_below),
    }


def placeholders(text: str) -> list[str]:
    """The placeholder names a text uses."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{name}` replaced by its value (KeyError for an unknown name)."""
    return text.format_map(dict(values))
