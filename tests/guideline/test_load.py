"""The repository's guideline loads, and its typed values are the paper's (and the settings') numbers."""

from __future__ import annotations

from decimal import Decimal

from call0603.guideline import load_document, load_guideline
from call0603.guideline.model import Amount


def test_regimen_matches_the_treatment_plan() -> None:
    g = load_guideline()
    doses = {a.id: (a.dose.value, a.dose.unit, a.route_id, a.days) for a in g.regimen.agents}
    assert doses == {
        "prednisolone": (Decimal(60), "mg/m2", "oral", tuple(range(28))),
        "vincristine": (Decimal("1.5"), "mg/m2", "intravenous", (0, 7, 14, 21)),
        "asparaginase": (Decimal(6000), "[iU]/m2", "intramuscular", (0, 2, 4, 7, 9, 11, 14, 16, 18)),
        "idarubicin": (Decimal(10), "mg/m2", "intravenous", (0, 7, 14, 21)),
    }
    assert g.regimen.agent("prednisolone").dose.per_day
    assert g.regimen.agent("asparaginase").dose.ordered_unit == "[iU]"


def test_withholding_rule_thresholds_and_override() -> None:
    w = load_guideline().regimen.withholding
    assert (w.anc_below, w.platelets_below) == (Amount(Decimal(500), "/uL"), Amount(Decimal(50000), "/uL"))
    assert (w.days, w.override_marrow, w.override_status, w.override_days) == ((14, 21), "day14", "M3", (14, 21))
    assert w.scope == "per-dose"
    assert [(d.day, d.conditional) for d in w.decisions] == [(0, False), (7, False), (14, True), (21, True)]
    assert w.day(14).give_define == "Idarubicin Day 14 Indicated"


def test_intrathecal_and_marrow_schedules() -> None:
    r = load_guideline().regimen
    negative, positive = r.intrathecal.for_status("negative"), r.intrathecal.for_status("positive")
    assert negative.days == (0, 7, 28) and [s.id for s in negative.substances] == ["cytarabine", "hydrocortisone"]
    assert positive.days == (0, 7, 14, 21, 28)
    assert [s.id for s in positive.substances] == ["cytarabine", "hydrocortisone", "methotrexate"]
    assert [(m.window_name, m.window.first, m.window.last) for m in r.marrow_exams] == [
        ("day7", 6, 8), ("day14", 13, 15), ("day28", 27, 30)]
    assert r.marrow("day14").only_if_not == ("day7", "M1")
    assert r.marrow("day14").condition_define == "Day 14 Marrow Indicated"


def test_assessment_thresholds() -> None:
    a = load_guideline().assessment
    assert (a.m2_from.value, a.m3_above.value) == (5, 25)
    assert (a.age_years.min, a.age_years.below) == (1, 22)
    assert a.early_relapse_below_months == 24
    assert (a.standard_risk_age_years.below, a.standard_risk_wbc_below.value) == (10, 50000)
    assert (a.cr2_anc_min.value, a.cr2_platelets_min.value) == (750, 75000)
    assert a.csf_wbc_above == Amount(Decimal(5), "/uL")
    assert [(r.grade, r.below.value) for r in a.neutropenia] == [(4, 500), (3, 1000), (2, 1500)]
    assert [(r.grade, r.below.value) for r in a.thrombocytopenia] == [(4, 25000), (3, 50000), (2, 75000)]
    assert [(r.grade, str(r.below.value), r.below.unit) for r in a.anemia] == [(3, "8.0", "g/dL"), (2, "10.0", "g/dL")]
    assert a.cytogenetic_groups["unfavorable"] == ("t9-22", "kmt2a-rearranged", "hypodiploid")


def test_numbers_are_exact_decimals_and_dates_stay_text() -> None:
    doc = load_document()
    assert doc["regimen"]["agents"][1]["dose"]["value"] == Decimal("1.5")
    assert isinstance(doc["assessment"]["toxicity"]["anemia"][0]["below"]["value"], Decimal)
    assert doc["package"]["date"] == "2025-01-15"
    assert Amount(Decimal("8.0"), "g/dL").cql() == "8 'g/dL'"
    assert Amount(Decimal("0.50"), "10*3/uL").cql() == "0.5 '10*3/uL'"


def test_canonicals_hang_from_the_package_base() -> None:
    g = load_guideline()
    assert g.package.library_url == "http://fhir.call0603.org/Library/call0603-reinduction"
    assert g.package.fhirhelpers_canonical == "http://fhir.org/guides/cqf/common/Library/FHIRHelpers|4.0.1"
    assert g.terminology.code_system("marrow-status").url == "http://fhir.call0603.org/CodeSystem/marrow-status"
    assert g.terminology.value_set("anc").url == "http://fhir.call0603.org/ValueSet/anc"
    findings = g.terminology.value_set("csf-lymphoblasts").codes
    assert ("http://fhir.call0603.org/CodeSystem/findings", "csf-blasts") in {(c.system, c.code) for c in findings}


def test_every_input_contract_code_is_in_a_value_set() -> None:
    codes = {c.code for vs in load_guideline().terminology.value_sets for c in vs.codes}
    contract = {
        "751-8", "753-4", "26499-4", "777-3", "778-1", "26515-7", "11150-0", "26446-5", "709-6", "30376-8", "708-8",
        "26465-5", "806-0", "805-2", "35068-6", "6690-2", "26464-8", "718-7", "29463-7", "8302-2", "8277-6",
        "91857003", "277571004", "277575008", "C91.00", "C91.02", "C91.A0", "C91.A1", "C91.A2",
        "41040004", "70156005", "Q90.0", "Q90.1", "Q90.2", "Q90.9", "csf-blasts", "status", "finding",
        "M1", "M2", "M3", "t9-22", "kmt2a-rearranged", "hypodiploid", "high-hyperdiploid", "t12-21",
        "normal-karyotype", "other",
    }
    assert contract <= codes
