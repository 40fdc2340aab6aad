"""Check digits and shapes of external codes, so a mistyped SNOMED, LOINC, RxNorm or ICD-10-CM code fails early."""

from __future__ import annotations

import re

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_ICD10CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_LOINC = re.compile(r"^([0-9]{1,7})-([0-9])$")


def snomed_problem(code: str) -> str | None:
    """Why `code` is not a SNOMED CT concept id (6–18 digits, partition 00/10, Verhoeff check digit), or None."""
    if not code.isdigit() or not 6 <= len(code) <= 18 or code.startswith("0"):
        return f"SNOMED CT id {code!r} must be 6 to 18 digits"
    if code[-3:-1] not in ("00", "10"):
        return f"SNOMED CT id {code!r} is not a concept id (partition {code[-3:-1]})"
    check = 0
    for i, digit in enumerate(reversed(code)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(digit)]]
    return None if check == 0 else f"SNOMED CT id {code!r} fails its Verhoeff check digit"


def loinc_problem(code: str) -> str | None:
    """Why `code` is not a LOINC code (digits, dash, mod-10 check digit), or None."""
    match = _LOINC.match(code)
    if match is None:
        return f"LOINC code {code!r} must be digits, a dash and a check digit"
    body, check = match.group(1), int(match.group(2))
    total = 0
    for i, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    expected = (10 - total % 10) % 10
    return None if expected == check else f"LOINC code {code!r} fails its check digit (expected {body}-{expected})"


def rxnorm_problem(code: str) -> str | None:
    """Why `code` is not an RxNorm concept id (digits), or None."""
    return None if code.isdigit() and not code.startswith("0") else f"RxNorm id {code!r} must be digits"


def icd10cm_problem(code: str) -> str | None:
    """Why `code` is not shaped like an ICD-10-CM code (letter, two characters, optional dot and 1–4), or None."""
    return None if _ICD10CM.match(code) else f"ICD-10-CM code {code!r} is not well formed"


#: Code checker by system key of `terminology.systems`.
CHECKERS = {"snomed": snomed_problem, "loinc": loinc_problem, "rxnorm": rxnorm_problem, "icd10cm": icd10cm_problem}
