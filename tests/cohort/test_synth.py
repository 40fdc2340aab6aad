"""Synthetic populations: reproducible, in the contract's codes and units, trajectories that fall and recover, the paper's margins."""

from __future__ import annotations

import datetime as _dt
import statistics
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from call0603.cohort.canonical import code_system_url, plan_definition_url
from call0603.cohort.synth.plans import PAPER_RESPONSES, paper_plans
from call0603.cohort.synth.writer import PAPER_HORIZON, synthesize

ANC = {"751-8", "753-4", "26499-4"}
PLATELETS = {"777-3", "778-1", "26515-7"}
CONTRACT_LOINC = ANC | PLATELETS | {"11150-0", "26446-5", "709-6", "30376-8", "708-8", "26465-5", "806-0", "805-2", "35068-6",
                                    "6690-2", "26464-8", "718-7", "29463-7", "8302-2", "8277-6"}
PER_UL = {"10*3/uL": Decimal(1000), "10*9/L": Decimal(1000), "/uL": Decimal(1), "/mm3": Decimal(1), "10*6/L": Decimal(1)}


def _load(folder: Path) -> dict[str, list[dict]]:
    by_patient: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_bytes().splitlines():
            r = orjson.loads(line)
            by_patient[r["id"] if r["resourceType"] == "Patient" else r["subject"]["reference"].removeprefix("Patient/")].append(r)
    return by_patient


def _per_ul(obs: dict) -> Decimal | None:
    q = obs["valueQuantity"]
    return Decimal(str(q["value"])) * PER_UL[q["code"]] if q["code"] in PER_UL else None


def _day(obs: dict, day0: _dt.date) -> int:
    return (_dt.date.fromisoformat(obs["effectiveDateTime"][:10]) - day0).days


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("paper")
    synthesize(out, 0, seed=11, paper=True)
    return _load(out)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, population: Path) -> None:
    synthesize(tmp_path / "a", 300, seed=5)
    synthesize(tmp_path / "b", 300, seed=6)
    for path in population.glob("*.ndjson"):
        assert (tmp_path / "a" / path.name).read_bytes() == path.read_bytes()
    assert (tmp_path / "b/Observation.ndjson").read_bytes() != (population / "Observation.ndjson").read_bytes()


def test_codes_units_references_and_careplans_follow_the_contract(population: Path) -> None:
    patients = _load(population)
    assert len(patients) == 300
    ids = [r["id"] for rs in patients.values() for r in rs]
    assert len(ids) == len(set(ids))
    units = Counter()
    for pid, resources in patients.items():
        assert resources[0]["resourceType"] == "Patient" or any(r["resourceType"] == "Patient" for r in resources)
        for r in resources:
            if r["resourceType"] == "Observation":
                coding = r["code"]["coding"][0]
                assert coding["code"] in CONTRACT_LOINC if coding["system"] == "http://loinc.org" else coding["system"] in {
                    code_system_url("marrow-status"), code_system_url("cytogenetics"), code_system_url("findings")}
                if coding["code"] in ANC | PLATELETS:
                    units[r["valueQuantity"]["code"]] += 1
            if r["resourceType"] == "CarePlan":
                assert r["instantiatesCanonical"] == [plan_definition_url()] and r["status"] == "active"
            if r["resourceType"] == "DiagnosticReport":
                assert r["code"]["coding"][0]["code"] == "48807-2"
                assert all(ref["reference"].startswith(f"Observation/{pid}-") for ref in r["result"])
    assert {"10*3/uL", "10*9/L", "/uL", "/mm3", "10*6/L"} <= set(units)
    careplans = sum(any(r["resourceType"] == "CarePlan" for r in rs) for rs in patients.values())
    assert 280 <= careplans < 300, "some patients must lack a CarePlan (missing data)"


def test_counts_fall_to_a_nadir_and_recover(population: Path) -> None:
    by_day: dict[int, list[Decimal]] = defaultdict(list)
    for resources in _load(population).values():
        careplan = next((r for r in resources if r["resourceType"] == "CarePlan"), None)
        if careplan is None:
            continue
        day0 = _dt.date.fromisoformat(careplan["period"]["start"])
        for r in resources:
            if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] in ANC and r["status"] == "final":
                value = _per_ul(r)
                if value is not None and 0 <= _day(r, day0) <= 28:
                    by_day[_day(r, day0)].append(value)
    median = {d: statistics.median(v) for d, v in by_day.items() if len(v) > 50}
    assert median[10] < median[7] < median[0]
    assert median[28] > 2 * median[10]


def test_the_paper_population_has_the_trials_margins(paper: dict[str, list[dict]]) -> None:
    assert len(paper) == 44
    sex, ages, timing, sites, phenotype, risk, cyto = (Counter() for _ in range(7))
    for pid, resources in paper.items():
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        sex[patient["gender"]] += 1
        conditions = [r for r in resources if r["resourceType"] == "Condition"]
        relapse = min((c for c in conditions if c["code"]["coding"][0]["code"] == "C91.02"), key=lambda c: c["onsetDateTime"])
        diagnosis = next(c for c in conditions if c["code"]["coding"][0]["system"] == "http://snomed.info/sct")
        birth, rel, dx = (_dt.date.fromisoformat(x) for x in (patient["birthDate"], relapse["onsetDateTime"], diagnosis["onsetDateTime"]))
        age = (rel - birth).days / 365.25
        ages["<5" if age < 5 else "5-10" if age < 10 else ">=10"] += 1
        months = (rel.year - dx.year) * 12 + rel.month - dx.month - (rel.day < dx.day)
        timing["early" if months < 24 else "late"] += 1
        sites[tuple(sorted(b["coding"][0]["code"] for b in relapse["bodySite"]))] += 1
        phenotype[diagnosis["code"]["coding"][0]["code"]] += 1
        obs = [r for r in resources if r["resourceType"] == "Observation"]
        finding = next(o["valueCodeableConcept"]["coding"][0]["code"] for o in obs if o["code"]["coding"][0]["code"] == "finding")
        wbc = next(_per_ul(o) for o in obs if o["code"]["coding"][0]["code"] in ("6690-2", "26464-8"))
        age_dx = (dx - birth).days / 365.25
        unfavorable = finding in ("t9-22", "kmt2a-rearranged", "hypodiploid")
        risk["standard" if 1 <= age_dx < 10 and wbc < 50000 and not unfavorable else "high"] += 1
        cyto["unfavorable" if unfavorable else "favorable" if finding in ("high-hyperdiploid", "t12-21") else "others"] += 1
    assert sex == {"male": 31, "female": 13}
    assert ages == {"<5": 6, "5-10": 14, ">=10": 24}
    assert timing == {"early": 24, "late": 20}
    assert sites == {("14016003",): 34, ("12738006", "14016003"): 7, ("12738006", "14016003", "40689003"): 1,
                     ("14016003", "40689003"): 1, ("14016003", "59441001"): 1}
    assert phenotype == {"277571004": 35, "277575008": 9}
    assert risk == {"standard": 17, "high": 27}
    assert cyto == {"favorable": 9, "unfavorable": 6, "others": 29}


def test_the_paper_plans_have_its_responses_and_doses() -> None:
    plans = paper_plans(11, PAPER_HORIZON)
    assert Counter(p.response for p in plans) == PAPER_RESPONSES
    doses = Counter(40 if p.marrow[14] == "M3" else 40 - 10 * sum(p.low_counts.values()) for p in plans)
    assert doses == {20: 19, 30: 22, 40: 3}
    assert [p.pid for p in paper_plans(11, PAPER_HORIZON)] == [p.pid for p in plans]


def test_the_paper_marrows_and_counts_carry_the_plan(paper: dict[str, list[dict]]) -> None:
    plans = {p.pid: p for p in paper_plans(11, PAPER_HORIZON)}
    for pid, resources in paper.items():
        plan = plans[pid]
        day0 = _dt.date.fromisoformat(next(r for r in resources if r["resourceType"] == "CarePlan")["period"]["start"])
        obs = [r for r in resources if r["resourceType"] == "Observation" and r["status"] == "final"]
        for day, low in plan.low_counts.items():
            if plan.death and plan.death <= day0 + _dt.timedelta(days=day):
                continue
            anc = [_per_ul(o) for o in obs if o["code"]["coding"][0]["code"] in ANC and _day(o, day0) in (day - 1, day)]
            plt = [_per_ul(o) for o in obs if o["code"]["coding"][0]["code"] in PLATELETS and _day(o, day0) in (day - 1, day)]
            assert len(anc) == len(plt) == 1
            assert (anc[0] < 500 or plt[0] < 50000) == low, (pid, day)
        marrow_days = {_day(o, day0) for o in obs if o["code"]["coding"][0]["code"] in ("11150-0", "status") and _day(o, day0) > 0}
        windows = {7: range(6, 9), 14: range(13, 16), 28: range(27, 31)}
        for day, status in plan.marrow.items():
            assert any(d in windows[day] for d in marrow_days) == (status is not None), (pid, day)
