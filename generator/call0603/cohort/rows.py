"""The few facts of an assessment record the cohort report counts, read with care: anything absent is `unknown`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson

UNKNOWN = "unknown"
COMBINED_SITES = ("bm-cns", "bm-cns-testis", "bm-testis", "bm-other")


@dataclass(frozen=True, slots=True)
class Row:
    """One assessed patient as the report sees them."""

    eligibility: str
    sex: str
    age_band: str
    timing: str
    site: str
    immunophenotype: str
    risk: str
    cytogenetics: str
    dose: str
    response: str
    cr: bool | None
    idarubicin14: str
    idarubicin21: str
    origin: _dt.date | None
    relapse_after_cr2: _dt.date | None
    death: _dt.date | None
    last_contact: _dt.date | None


def _value(record: dict[str, Any], *path: str) -> Any:
    for key in path:
        record = record.get(key) if isinstance(record, dict) else None
    return record


def _word(value: Any, allowed: tuple[str, ...]) -> str:
    return value if isinstance(value, str) and value in allowed else UNKNOWN


def _date(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def age_band(years: Any) -> str:
    """The paper's age bands at relapse: < 5, 5 to < 10, >= 10 years."""
    if isinstance(years, bool) or not isinstance(years, (int, float)):
        return UNKNOWN
    return "<5" if years < 5 else "5-10" if years < 10 else ">=10"


def _cr(record: dict[str, Any]) -> bool | None:
    """CR2 at day 28 as the paper counts it: met is CR; not met or an induction death is not; anything else unknown."""
    if _value(record, "response", "value") == "induction-death":
        return False
    return {"met": True, "not-met": False}.get(_value(record, "cr2", "value"))


def row_of(record: dict[str, Any]) -> Row:
    """The report's view of one assessment record."""
    c = record.get("characteristics") if isinstance(record.get("characteristics"), dict) else {}
    f = record.get("followUp") if isinstance(record.get("followUp"), dict) else {}
    dose = c.get("idarubicinTotalMgM2")
    cytogenetics = _value(record, "cytogeneticGroup", "value")
    return Row(
        eligibility=_word(_value(record, "eligibility", "value"), ("eligible", "not-eligible", "indeterminate")),
        sex=_word(c.get("sex"), ("male", "female", "other")),
        age_band=age_band(c.get("ageAtRelapseYears")),
        timing=_word(_value(record, "relapseTiming", "value"), ("early", "late")),
        site=_word(c.get("relapseSite"), ("isolated-bm", *COMBINED_SITES)),
        immunophenotype=_word(c.get("immunophenotype"), ("b-precursor", "t-cell")),
        risk=_word(_value(record, "riskGroup", "value"), ("standard", "high")),
        cytogenetics="others/normal" if cytogenetics in ("other", "normal") else _word(cytogenetics, ("favorable", "unfavorable")),
        dose=str(dose) if dose in (20, 30, 40) else UNKNOWN,
        response=_word(_value(record, "response", "value"),
                       ("RER", "SER", "induction-failure", "induction-death", "not-evaluable", "pending", "indeterminate")),
        cr=_cr(record),
        idarubicin14=_word(_value(record, "idarubicin", "day14", "value"), ("give", "withhold", "indeterminate", "pending")),
        idarubicin21=_word(_value(record, "idarubicin", "day21", "value"), ("give", "withhold", "indeterminate", "pending")),
        origin=_date(c.get("relapseDate")) or _date(record.get("start")),
        relapse_after_cr2=_date(f.get("relapseAfterCR2")), death=_date(f.get("death")), last_contact=_date(f.get("lastContact")),
    )


def read_rows(path: Path) -> Iterator[Row]:
    """Every record of assessments.ndjson as a Row, streamed."""
    with path.open("rb") as f:
        for line in f:
            yield row_of(orjson.loads(line))
