"""Event-free and overall survival as the paper's Fig. 2: Kaplan-Meier estimates and the log-rank test (lifelines).

EFS runs from relapse to the first event: failure to reach CR2 (an event at time 0, as the paper's Table 1
shows 0% EFS for induction failures), an induction death (at its date), relapse after CR2, or death in CR.
OS runs from relapse to death from any cause. Others are censored at their last contact. The origin is the
record's relapse date when it carries one, else day 0 of reinduction (days after the relapse). A patient whose
CR or follow-up is unknown is left out of a curve, and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

from .rows import UNKNOWN, Row

MONTH_DAYS = 30.4375
#: The paper's landmark: 5-year EFS and OS.
LANDMARK_MONTHS = 60


@dataclass(frozen=True)
class Times:
    """One endpoint's durations (months) and events (True = event), with how many patients were left out."""

    months: tuple[float, ...]
    events: tuple[bool, ...]
    left_out: int


def _months(origin, day) -> float:
    return max((day - origin).days, 0) / MONTH_DAYS


def efs(row: Row) -> tuple[float, bool] | None:
    """Months to the first EFS event, or to censoring; None when CR or follow-up is unknown."""
    if row.origin is None or row.cr is None:
        return None
    if row.cr is False:
        if row.response == "induction-death" and row.death:
            return _months(row.origin, row.death), True
        return 0.0, True
    events = [d for d in (row.relapse_after_cr2, row.death) if d is not None]
    if events:
        return _months(row.origin, min(events)), True
    return (_months(row.origin, row.last_contact), False) if row.last_contact else None


def os_(row: Row) -> tuple[float, bool] | None:
    """Months to death, or to censoring at the last contact; None when neither is known."""
    if row.origin is None:
        return None
    if row.death:
        return _months(row.origin, row.death), True
    return (_months(row.origin, row.last_contact), False) if row.last_contact else None


ENDPOINTS: dict[str, Callable[[Row], tuple[float, bool] | None]] = {"EFS": efs, "OS": os_}


def times(rows: Sequence[Row], endpoint: Callable[[Row], tuple[float, bool] | None]) -> Times:
    """The endpoint's durations and events over the rows that have them."""
    pairs = [endpoint(r) for r in rows]
    kept = [p for p in pairs if p is not None]
    return Times(tuple(m for m, _ in kept), tuple(e for _, e in kept), len(pairs) - len(kept))


def has_events(rows: Sequence[Row]) -> bool:
    """Whether the data hold any follow-up event (relapse after CR2 or death): only then are curves drawn."""
    return any(r.death or r.relapse_after_cr2 for r in rows)


@dataclass(frozen=True)
class Estimate:
    """A Kaplan-Meier estimate at the landmark, in percent, with its Greenwood standard error and 95% interval."""

    n: int
    events: int
    percent: float | None
    se: float | None
    ci95: tuple[float, float] | None = None


def fit(t: Times):
    """A lifelines KaplanMeierFitter over the durations (None when there are none)."""
    from lifelines import KaplanMeierFitter

    if not t.months:
        return None
    return KaplanMeierFitter().fit(list(t.months), event_observed=list(t.events))


def landmark(t: Times, months: float = LANDMARK_MONTHS) -> Estimate:
    """Survival at the landmark (percent ± Greenwood SE, as the paper's '22.2% ± 6.4%'), with lifelines' 95% interval
    (exponential Greenwood, log(-log) scale, so it stays within 0-100%)."""
    km = fit(t)
    if km is None:
        return Estimate(0, 0, None, None)
    bounds = km.confidence_interval_survival_function_
    bounds = bounds[bounds.index <= months]
    ci95 = (round(100 * float(bounds.iloc[-1, 0]), 1), round(100 * float(bounds.iloc[-1, 1]), 1)) if len(bounds) else None
    table = km.event_table
    table = table[table.index <= months]
    survival = float(km.survival_function_at_times(months).iloc[0])
    terms = [d / (n * (n - d)) for d, n in zip(table["observed"], table["at_risk"]) if n > d]
    se = survival * math.sqrt(sum(terms)) if survival > 0 else 0.0
    return Estimate(len(t.months), sum(t.events), round(100 * survival, 1), round(100 * se, 1), ci95)


def at_risk(t: Times, ticks: Sequence[float]) -> list[int]:
    """Patients still followed (time >= tick) at each tick: the numbers at risk printed under a curve."""
    return [sum(1 for m in t.months if m >= tick) for tick in ticks]


def censor_marks(t: Times, bin_months: float) -> list[float]:
    """The censoring times to mark, at most one per `bin_months`: the first censored time of each bin, so marks never
    merge into a bar however many patients are censored."""
    marks: dict[int, float] = {}
    for months, event in sorted(zip(t.months, t.events)):
        if not event:
            marks.setdefault(int(months // bin_months), months)
    return list(marks.values())


def logrank(rows: Sequence[Row], group: Callable[[Row], str], endpoint: Callable[[Row], tuple[float, bool] | None]) -> float | None:
    """The log-rank P across the groups (unknown left out); None with fewer than two groups or no event."""
    from lifelines.statistics import multivariate_logrank_test

    durations, events, labels = [], [], []
    for row in rows:
        pair, label = endpoint(row), group(row)
        if pair is not None and label != UNKNOWN:
            durations.append(pair[0])
            events.append(pair[1])
            labels.append(label)
    if len(set(labels)) < 2 or not any(events):
        return None
    return float(multivariate_logrank_test(durations, labels, events).p_value)
