"""Who each synthetic patient is and what happens to them: the latent plan a trajectory is drawn from.

A random population follows the paper's proportions with noise and missing data; the paper population
(`paper_plans`) has the trial's 44 patients' margins exactly (Table 1 and Results).
"""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass

RER, SER, FAILURE, NOT_EVALUABLE, DEATH = "RER", "SER", "induction-failure", "not-evaluable", "induction-death"

#: The paper's early responses (Results; Table 1): 11 RER, 15 SER, 12 failures, 5 not available, 1 induction death.
PAPER_RESPONSES = {RER: 11, SER: 15, FAILURE: 12, NOT_EVALUABLE: 5, DEATH: 1}

#: Sites of relapse besides the marrow, as the evaluator names the combinations.
SITES = {"isolated-bm": (), "bm-cns": ("cns",), "bm-cns-testis": ("cns", "testis"), "bm-testis": ("testis",),
         "bm-other": ("lymph-node",)}


@dataclass
class Plan:
    """One synthetic patient's latent facts; trajectories turn them into resources."""

    pid: str
    sex: str
    birth: _dt.date
    diagnosis: _dt.date
    relapse: _dt.date
    day0: _dt.date
    offset: str
    immunophenotype: str  # b-precursor | t-cell | generic
    site: str
    cytogenetics: str | None
    diagnosis_wbc: int  # /uL
    response: str
    marrow: dict[int, str | None]  # study day 7/14/28 -> M1/M2/M3 or None (not done)
    low_counts: dict[int, bool]  # day 14/21 -> counts low
    counts_recover: bool = True
    death: _dt.date | None = None
    relapse_after_cr2: _dt.date | None = None
    last_contact: _dt.date | None = None
    careplan: bool = True
    down_syndrome: bool = False
    measurements: bool = True
    missing_day14_counts: bool = False
    preliminary_count: bool = False
    unconvertible_count: bool = False


def _years(rng: random.Random, low: float, high: float) -> _dt.timedelta:
    return _dt.timedelta(days=round(rng.uniform(low, high) * 365.25))


def _marrow(rng: random.Random, response: str) -> tuple[dict[int, str | None], bool]:
    """Day 7/14/28 marrow statuses that give `response` under the paper's definitions, and whether counts recover."""
    if response == RER:
        return rng.choice([{7: "M1", 14: None, 28: "M1"}, {7: "M2", 14: "M1", 28: "M1"}]), True
    if response == SER:
        return rng.choice([{7: "M3", 14: "M2", 28: "M1"}, {7: "M2", 14: "M2", 28: "M1"}, {7: "M3", 14: "M1", 28: "M1"}]), True
    if response == NOT_EVALUABLE:
        return rng.choice([{7: None, 14: "M1", 28: "M1"}, {7: "M2", 14: None, 28: "M1"}]), True
    if response == FAILURE:
        kind = rng.random()
        if kind < 0.6:
            return {7: "M3", 14: rng.choice(["M2", "M3"]), 28: rng.choice(["M2", "M3"])}, rng.random() < 0.5
        if kind < 0.8:
            return {7: "M2", 14: "M2", 28: "M2"}, True
        return {7: "M1", 14: None, 28: "M1"}, False
    return {7: rng.choice(["M1", "M2", "M3"]), 14: None, 28: None}, False


def _lows(rng: random.Random, dose: int) -> dict[int, bool]:
    """Counts low on day 14/21 for a planned total idarubicin dose of 20, 30 or 40 mg/m2."""
    if dose == 20:
        return {14: True, 21: True}
    if dose == 30:
        low14 = rng.random() < 0.5
        return {14: low14, 21: not low14}
    return {14: False, 21: False}


def _follow_up(rng: random.Random, plan: Plan, horizon: _dt.date) -> None:
    """Relapse after CR2, death and last contact: early relapsers do worse, as in the paper's Fig. 2."""
    months = lambda low, high: _dt.timedelta(days=round(rng.uniform(low, high) * 30.44))  # noqa: E731
    early = (plan.relapse - plan.diagnosis).days < 730
    if plan.response == DEATH:
        plan.death = plan.day0 + _dt.timedelta(days=rng.randint(22, 26))
        return
    if plan.response == FAILURE:
        if rng.random() < 0.95:
            plan.death = plan.day0 + months(2, 18)
    elif rng.random() < (0.9 if early else 0.4):
        plan.relapse_after_cr2 = plan.day0 + months(3, 36 if early else 60)
        if rng.random() < 0.9:
            plan.death = plan.relapse_after_cr2 + months(1, 14)
    elif rng.random() < 0.18:
        plan.death = plan.day0 + months(2, 12)
    contact = plan.death or plan.day0 + months(60, 130)
    plan.last_contact = min(contact, horizon)
    if plan.death and plan.death > horizon:
        plan.death = None
    if plan.relapse_after_cr2 and plan.relapse_after_cr2 > horizon:
        plan.relapse_after_cr2 = None


def _dates(rng: random.Random, relapse_age: float, months_to_relapse: int, day0_from: _dt.date, day0_days: int,
           ) -> tuple[_dt.date, _dt.date, _dt.date, _dt.date]:
    day0 = day0_from + _dt.timedelta(days=rng.randrange(day0_days))
    relapse = day0 - _dt.timedelta(days=rng.randint(1, 10))
    birth = relapse - _dt.timedelta(days=round(relapse_age * 365.25))
    diagnosis = relapse - _dt.timedelta(days=round(months_to_relapse * 30.44) + rng.randint(0, 20))
    return birth, diagnosis, relapse, day0


def _cytogenetics(rng: random.Random) -> str | None:
    draw = rng.random()
    for code, below in (("high-hyperdiploid", 0.1), ("t12-21", 0.2), ("t9-22", 0.24), ("kmt2a-rearranged", 0.29),
                        ("hypodiploid", 0.33), ("normal-karyotype", 0.7), ("other", 0.96)):
        if draw < below:
            return code
    return None


def random_plan(index: int, seed: int, horizon: _dt.date) -> Plan:
    """One patient of a random population (its own generator: the same seed and index give the same patient)."""
    rng = random.Random(f"{seed}:{index}")
    response = rng.choices([RER, SER, FAILURE, NOT_EVALUABLE, DEATH], weights=[11, 15, 12, 5, 1])[0]
    relapse_age = rng.triangular(1.1, 21.0, 12.0) if rng.random() > 0.005 else rng.uniform(22.0, 24.0)
    early = rng.random() < (0.75 if response in (FAILURE, DEATH) else 0.42)
    months_to_relapse = rng.randint(2, 23) if early else rng.randint(24, 107)
    months_to_relapse = min(months_to_relapse, int(relapse_age * 12) - 3)
    birth, diagnosis, relapse, day0 = _dates(rng, relapse_age, months_to_relapse, _dt.date(2010, 1, 1), 4000)
    marrow, recover = _marrow(rng, response)
    if rng.random() < 0.02:
        marrow[28] = None
    dose = 40 if marrow[14] == "M3" else rng.choices([20, 30, 40], weights=[19, 22, 3])[0]
    site = rng.choices(list(SITES), weights=[34, 7, 1, 1, 1])[0]
    sex = "male" if "testis" in SITES[site] or rng.random() < 0.7 else "female"
    plan = Plan(
        pid=f"p{index:06d}", sex=sex, birth=birth, diagnosis=diagnosis, relapse=relapse, day0=day0,
        offset=rng.choice(["+09:00", "+00:00", "-05:00", "+01:00"]),
        immunophenotype=rng.choices(["b-precursor", "t-cell", "generic"], weights=[80, 18, 2])[0],
        site=site, cytogenetics=_cytogenetics(rng), diagnosis_wbc=round(rng.lognormvariate(9.8, 1.3)),
        response=response, marrow=marrow, low_counts=_lows(rng, dose), counts_recover=recover,
        careplan=rng.random() > 0.01, down_syndrome=rng.random() < 0.01, measurements=rng.random() > 0.03,
        missing_day14_counts=rng.random() < 0.03, preliminary_count=rng.random() < 0.02,
        unconvertible_count=rng.random() < 0.005,
    )
    _follow_up(rng, plan, horizon)
    return plan


def _spread(rng: random.Random, levels: dict[str, int]) -> list[str]:
    values = [level for level, n in levels.items() for _ in range(n)]
    rng.shuffle(values)
    return values


def paper_plans(seed: int, horizon: _dt.date) -> list[Plan]:
    """The trial's 44 patients: Table 1's margins and the paper's response counts, reproducible from the seed.

    Early/late relapse follows the text (24 early, 20 late; the CR rates 13/24 and 19/20 fit it, Table 1's
    27/17 does not). All are eligible, with complete data and a CarePlan.
    """
    rng = random.Random(f"{seed}:paper")
    responses = _spread(rng, PAPER_RESPONSES)
    no_cr = [i for i, r in enumerate(responses) if r in (FAILURE, DEATH)]
    early = set(rng.sample(no_cr, 11)) | set(rng.sample([i for i in range(44) if i not in no_cr], 13))
    sites = _spread(rng, {"isolated-bm": 34, "bm-cns": 7, "bm-cns-testis": 1, "bm-testis": 1, "bm-other": 1})
    males = [i for i, s in enumerate(sites) if "testis" in s]
    males += rng.sample([i for i in range(44) if i not in males], 31 - len(males))
    ages = _spread(rng, {"<5": 6, "5-10": 14, ">=10": 24})
    phenotypes = _spread(rng, {"b-precursor": 35, "t-cell": 9})
    standard = set(rng.sample(range(44), 17))
    high = [i for i in range(44) if i not in standard]
    unfavorable = set(rng.sample(high, 6))
    rest = _spread(rng, {"high-hyperdiploid": 5, "t12-21": 4, "normal-karyotype": 17, "other": 12})
    doses = _doses(rng, responses)
    plans = []
    for i in range(44):
        low, high_age = {"<5": (1.5, 4.9), "5-10": (5.0, 9.9), ">=10": (10.0, 18.7)}[ages[i]]
        for _ in range(1000):
            relapse_age = rng.uniform(low, high_age)
            months = rng.randint(2, 23) if i in early else rng.randint(24, 107)
            diagnosis_age = relapse_age - months / 12
            if diagnosis_age >= 1.1 and (i not in standard or diagnosis_age < 9.8):
                break
        else:
            raise RuntimeError(f"no dates fit paper patient {i}")
        birth, diagnosis, relapse, day0 = _dates(rng, relapse_age, months, _dt.date(2006, 1, 1), 1400)
        if i in standard:
            wbc = rng.randint(1500, 45000)
        else:
            wbc = rng.randint(55000, 250000) if diagnosis_age < 10 or rng.random() < 0.4 else rng.randint(1500, 45000)
        marrow, recover = _marrow(rng, responses[i])
        if doses[i] == 40 and responses[i] == SER:
            marrow = {7: "M3", 14: "M3", 28: "M1"}
        elif marrow[14] == "M3":
            marrow[14] = "M2"
        plan = Plan(
            pid=f"call{i + 1:02d}", sex="male" if i in males else "female", birth=birth, diagnosis=diagnosis,
            relapse=relapse, day0=day0, offset="+09:00", immunophenotype=phenotypes[i], site=sites[i],
            cytogenetics=rng.choice(["t9-22", "kmt2a-rearranged", "hypodiploid"]) if i in unfavorable else rest.pop(),
            diagnosis_wbc=wbc, response=responses[i], marrow=marrow, low_counts=_lows(rng, doses[i]),
            counts_recover=recover,
        )
        _follow_up(rng, plan, horizon)
        plans.append(plan)
    return plans


def _doses(rng: random.Random, responses: list[str]) -> list[int]:
    """19 patients at 20 mg/m2, 22 at 30 and 3 at 40 (Results); the three at 40 are SER (day-14 M3 marrow)."""
    ser = [i for i, r in enumerate(responses) if r == SER]
    forty = set(rng.sample(ser, 3))
    others = _spread(rng, {"20": 19, "30": 22})
    return [40 if i in forty else int(others.pop()) for i in range(len(responses))]
