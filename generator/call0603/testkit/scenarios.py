"""The test kit's scenarios: one base patient with a complete course, and what each case changes and must prove.

Every scenario's `expect` is written by hand from the spec (`docs/rules.md`, `docs/report-format.md`), never
copied from an engine: the kit checks these values as well as the full expected files. A path names a report
field (`idarubicin.day14`, `toxicity.anemia.grade`); a decision object is compared by its `value`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping

from .fhir import (
    DAY0, ICD10, SNOMED, Resource, anc, at, careplan, condition, coded_marrow, csf_blasts, cytogenetics, day, marrow,
    platelets, quantity,
)

#: A relapse on 2024-02-20, two weeks before day 0; the base patient was born 2013-05-10 (10 years at relapse).
RELAPSE = "2024-02-20"
BONE_MARROW, BRAIN, TESTIS = "14016003", "12738006", "40689003"


def base_resources() -> list[Resource]:
    """A standard-risk late first marrow relapse of B-cell ALL, CNS negative, with every result of an RER course."""
    return [
        condition("all-diagnosis", SNOMED, "277571004", "2019-01-15", clinical="remission"),
        condition("all-relapse", ICD10, "C91.02", RELAPSE, sites=(BONE_MARROW,), clinical="relapse"),
        quantity("diagnosis-wbc", "6690-2", 12.4, "10*3/uL", "2019-01-15"),
        cytogenetics("cytogenetics", "normal-karyotype", "2019-01-20"),
        marrow("relapse-marrow", 62, -12),
        quantity("csf-wbc", "26465-5", 2, "/uL", day(-2)),
        csf_blasts("csf-cytology", False, -2),
        quantity("height", "8302-2", 148, "cm", day(-3)),
        quantity("weight", "29463-7", 38.5, "kg", day(-3)),
        marrow("marrow-day7", 3, 7),
        anc("anc-day14", 800, 14),
        platelets("platelets-day14", 90000, 14),
        quantity("hemoglobin-day14", "718-7", 9.5, "g/dL", at(14)),
        anc("anc-day21", 900, 21),
        platelets("platelets-day21", 80000, 21),
        marrow("marrow-day28", 2, 28),
        anc("anc-day28", 1200, 28),
        platelets("platelets-day28", 150000, 28),
        quantity("blasts-day28", "26446-5", 0, "%", at(28)),
    ]


@dataclass(frozen=True)
class Scenario:
    """One case: the base patient changed by `add` (an id already in the base replaces it) and `drop`."""

    name: str
    proves: str
    rule: str
    source: str
    as_of: int
    expect: Mapping[str, Any]
    add: tuple[Resource, ...] = ()
    drop: tuple[str, ...] = ()
    birth: str = "2013-05-10"
    #: A date of death (deceasedDateTime), or True for a death recorded without its date (deceasedBoolean).
    deceased: str | bool | None = None
    start_parameter: bool = True
    ignored: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        """The Patient id (the scenario's name: ids are unique across the kit)."""
        return self.name

    @property
    def as_of_date(self) -> date:
        """The evaluation date."""
        return DAY0 + timedelta(days=self.as_of)

    @property
    def start(self) -> date | None:
        """Day 0 as an `$apply` parameter, or None when it comes from the patient's CarePlan."""
        return DAY0 if self.start_parameter else None

    def resources(self) -> list[Resource]:
        """The patient's resources: the Patient, then the base with this case's changes, each with its subject."""
        patient: Resource = {"resourceType": "Patient", "id": self.name, "gender": "female", "birthDate": self.birth}
        if self.deceased is True:
            patient["deceasedBoolean"] = True
        elif self.deceased:
            patient["deceasedDateTime"] = self.deceased
        added = {r["id"]: r for r in self.add}
        out = [patient]
        for r in base_resources():
            if r["id"] not in self.drop:
                out.append(added.pop(r["id"], r))
        out = copy.deepcopy([*out, *added.values()])
        for r in out[1:]:
            r["subject"] = {"reference": f"Patient/{self.name}"}
        return out

    def bundle(self) -> Resource:
        """The scenario as a FHIR collection Bundle."""
        return {"resourceType": "Bundle", "id": self.name, "type": "collection",
                "entry": [{"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
                          for r in self.resources()]}


RULES = "docs/rules.md"
REPORT = "docs/report-format.md"
CONTRACT = "docs/input-contract.md"
D14, D21 = "idarubicin.day14", "idarubicin.day21"
LOW_ANC = anc("anc-day14", 400, 14)
D7_M2 = marrow("marrow-day7", 12, 7)


def _s(name: str, proves: str, rule: str, source: str, as_of: int, expect: Mapping[str, Any], **changes: Any) -> Scenario:
    return Scenario(name, proves, rule, source, as_of, expect, **changes)


SCENARIOS: tuple[Scenario, ...] = (
    # --- the base course
    _s("baseline-rer", "a complete course: eligible, late, standard risk, CNS negative, every dose given, CR2, RER",
       "every decision on complete data", f"{RULES} §2-§7", 31,
       {"eligibility": "eligible", "relapseTiming": "late", "relapseTiming.monthsFromDiagnosis": 61,
        "riskGroup": "standard",
        "riskGroup.evidence": ["Observation/diagnosis-wbc", "Observation/cytogenetics", "Patient/baseline-rer",
                               "Condition/all-diagnosis"],
        "cytogeneticGroup": "normal", "cnsStatus": "negative", "bsa": 1.26,
        "marrow.day7": "M1", "marrow.day14": "not-indicated", "marrow.day28": "M1",
        "idarubicin.day0": "give", "idarubicin.day7": "give", D14: "give", D21: "give",
        "idarubicin.day0.dose.value": 12.58, "cr2": "met", "response": "RER",
        "toxicity.neutropenia.grade": 3, "toxicity.anemia.grade": 2, "characteristics.idarubicinTotalMgM2": 40}),
    _s("before-day7", "as of day 3 every later decision is pending", "pending before the day / window",
       f"{REPORT} Precise meanings: pending", 3,
       {"idarubicin.day0": "give", "idarubicin.day7": "pending", D14: "pending", D21: "pending",
        "marrow.day7": "pending", "cr2": "pending", "response": "pending"}),
    _s("start-from-careplan", "without a start parameter, day 0 is the period start of the package's active CarePlan",
       "day 0 source", f"{CONTRACT} $apply parameters; {RULES} §1", 31,
       {"start": day(0), "studyDay": 31, D14: "give", "response": "RER"},
       add=(careplan("reinduction-plan", day(0)),), start_parameter=False),
    # --- idarubicin day 14: the ANC and platelet thresholds are strict
    _s("anc-499-day14", "ANC 499/uL is low: idarubicin withheld on day 14 (day-14 marrow not indicated)",
       "ANC < 500/uL, 499", f"{RULES} §3", 16, {D14: "withhold", "marrow.day14": "not-indicated", D21: "pending"},
       add=(anc("anc-day14", 499, 14),)),
    _s("anc-500-day14", "ANC exactly 500/uL is not low: given", "ANC < 500/uL, 500", f"{RULES} §3 strict thresholds", 16,
       {D14: "give"}, add=(anc("anc-day14", 500, 14),)),
    _s("anc-501-day14", "ANC 501/uL is not low: given", "ANC < 500/uL, 501", f"{RULES} §3", 16, {D14: "give"},
       add=(anc("anc-day14", 501, 14),)),
    _s("platelets-49999-day14", "platelets 49,999/uL are low: withheld", "platelets < 50,000/uL, 49,999",
       f"{RULES} §3", 16, {D14: "withhold"}, add=(platelets("platelets-day14", 49999, 14),)),
    _s("platelets-50000-day14", "platelets exactly 50,000/uL are not low: given", "platelets < 50,000/uL, 50,000",
       f"{RULES} §3 strict thresholds", 16, {D14: "give"}, add=(platelets("platelets-day14", 50000, 14),)),
    # --- units convert by UCUM, exactly
    _s("anc-0.5-per-nL", "0.5 10*3/uL is exactly 500/uL: not low", "units 10*3/uL at 500", f"{RULES} §3 units", 16,
       {D14: "give"}, add=(anc("anc-day14", 0.5, 14, "10*3/uL"),)),
    _s("anc-0.499-per-nL", "0.499 10*3/uL is 499/uL: low", "units 10*3/uL at 499", f"{RULES} §3 units", 16,
       {D14: "withhold"}, add=(anc("anc-day14", 0.499, 14, "10*3/uL"),)),
    _s("anc-0.4-10e9-per-L", "0.4 10*9/L is 400/uL: low", "units 10*9/L", f"{RULES} §3 units", 16,
       {D14: "withhold"}, add=(anc("anc-day14", 0.4, 14, "10*9/L"),)),
    _s("anc-500-per-mm3", "500 /mm3 is 500/uL: not low", "units /mm3", f"{CONTRACT} Observations", 16,
       {D14: "give"}, add=(anc("anc-day14", 500, 14, "/mm3"),)),
    _s("anc-499-10e6-per-L", "499 10*6/L is 499/uL: low", "units 10*6/L", f"{CONTRACT} Observations", 16,
       {D14: "withhold"}, add=(anc("anc-day14", 499, 14, "10*6/L"),)),
    _s("platelets-50-10e9-per-L", "50 10*9/L is 50,000/uL: not low", "units 10*9/L at 50,000", f"{RULES} §3 units", 16,
       {D14: "give"}, add=(platelets("platelets-day14", 50, 14, "10*9/L"),)),
    _s("platelets-49.999-per-nL", "49.999 10*3/uL is 49,999/uL: low", "units 10*3/uL at 49,999", f"{RULES} §3 units", 16,
       {D14: "withhold"}, add=(platelets("platelets-day14", 49.999, 14, "10*3/uL"),)),
    _s("anc-unconvertible-unit", "an ANC in K/uL (kelvin per microlitre) is never compared: ignored, decision indeterminate",
       "unit that does not convert", f"{CONTRACT} Bad input; {RULES} §3 units", 16,
       {D14: "indeterminate"}, add=(anc("anc-day14", 0.4, 14, "K/uL"),), ignored=("Observation/anc-day14",)),
    # --- the M3 override, and each dose on its own counts
    _s("m3-override-day14", "counts low on day 14 but the day-14 marrow is M3: given; day 21 low too: given",
       "M3 override, day 14 and day 21", f"{RULES} §3 exception", 31,
       {D14: "give", D21: "give", "marrow.day7": "M2", "marrow.day14": "M3", "response": "SER"},
       add=(D7_M2, LOW_ANC, marrow("marrow-day14", 30, 14), anc("anc-day21", 300, 21))),
    _s("m3-override-day21", "counts adequate on day 14, low on day 21, day-14 marrow M3: day 21 given",
       "M3 override, day 21", f"{RULES} §3 exception", 23, {D14: "give", D21: "give", "marrow.day14": "M3"},
       add=(D7_M2, marrow("marrow-day14", 40, 14), platelets("platelets-day21", 20000, 21))),
    _s("day21-withheld-day14-given", "each dose on its own counts: day 14 given, day 21 low and withheld",
       "per-dose scope", f"{RULES} §3 Decision (scope)", 23,
       {D14: "give", D21: "withhold", "characteristics.idarubicinTotalMgM2": 30},
       add=(platelets("platelets-day21", 30000, 21),)),
    _s("day14-marrow-pending", "counts low on day 14, the day-14 marrow window still open: indeterminate",
       "pending day-14 marrow", f"{RULES} §3 Decision (missing data)", 14,
       {D14: "indeterminate", "marrow.day7": "M2", "marrow.day14": "pending", D21: "pending"},
       add=(D7_M2, LOW_ANC)),
    _s("day14-marrow-missing", "counts low, day-14 marrow window closed with no result: withheld",
       "missing day-14 marrow", f"{REPORT} Idarubicin day 14/21", 16,
       {D14: "withhold", "marrow.day14": "missing"}, add=(D7_M2, LOW_ANC)),
    _s("day14-marrow-m2-low", "counts low and the day-14 marrow M2: withheld", "no override below M3",
       f"{RULES} §3", 16, {D14: "withhold", "marrow.day14": "M2"},
       add=(D7_M2, LOW_ANC, marrow("marrow-day14", 25, 14))),
    # --- missing counts and the count window
    _s("anc-missing", "no ANC, platelets adequate: counts required, indeterminate", "missing ANC",
       f"{RULES} §3 Decision (missing data)", 16, {D14: "indeterminate"}, drop=("anc-day14",)),
    _s("counts-missing", "no counts at all on day 14: indeterminate", "missing counts",
       f"{RULES} §3 Decision (missing data)", 16, {D14: "indeterminate"}, drop=("anc-day14", "platelets-day14")),
    _s("platelets-low-anc-missing", "platelets low decide 'low' without the ANC: withheld", "platelets alone",
       f"{RULES} §3 Decision (missing data)", 16, {D14: "withhold"},
       add=(platelets("platelets-day14", 40000, 14),), drop=("anc-day14",)),
    _s("anc-low-platelets-missing", "an ANC low decides 'low' without the platelets: withheld", "ANC alone",
       f"{RULES} §3 Decision (missing data)", 16, {D14: "withhold"}, add=(LOW_ANC,), drop=("platelets-day14",)),
    _s("anc-day13-in-window", "a count dated day d-1 decides day d", "count window day 13",
       f"{RULES} §1 Decision (count window)", 16, {D14: "withhold"},
       add=(anc("anc-day14", 450, 13),)),
    _s("anc-day12-outside-window", "a count dated day d-2 is outside the window: ANC absent, indeterminate",
       "count window day 12", f"{RULES} §1 Decision (count window)", 16, {D14: "indeterminate"},
       add=(anc("anc-day14", 450, 12),)),
    _s("anc-latest-in-window", "the latest valid count in the window decides (day 13 low, day 14 adequate): given",
       "latest result", f"{RULES} §1 Decision (count window)", 16, {D14: "give"},
       add=(anc("anc-day13", 400, 13),)),
    _s("anc-own-offset", "a count at 23:30 -05:00 on day 12 is dated day 12 in its own offset, not day 13 UTC",
       "date in its own offset", f"{RULES} §1", 16, {D14: "indeterminate"},
       add=(quantity("anc-day14", "751-8", 400, "/uL", at(12, "23:30:00-05:00")),)),
    _s("anc-entered-in-error", "an entered-in-error ANC is ignored; the valid day-13 ANC decides: given",
       "entered-in-error result", f"{RULES} §1 valid results", 16, {D14: "give"},
       add=(anc("anc-day14", 400, 14, status="entered-in-error"), anc("anc-day13", 800, 13)),
       ignored=("Observation/anc-day14",)),
    _s("anc-preliminary", "a preliminary ANC is not valid: ANC absent, indeterminate", "preliminary result",
       f"{RULES} §1 valid results", 16, {D14: "indeterminate"},
       add=(anc("anc-day14", 400, 14, status="preliminary"),), ignored=("Observation/anc-day14",)),
    _s("as-of-before-marrow", "as of day 14 the M3 marrow dated day 15 is not seen: counts low, marrow pending",
       "as-of before a result", f"{RULES} §1 Decision (as-of date)", 14,
       {D14: "indeterminate", "marrow.day14": "pending"},
       add=(D7_M2, LOW_ANC, marrow("marrow-day14", 30, 15)), ignored=("Observation/marrow-day14",)),
    # --- marrow status bands (day 7) and day 14 indication
    _s("day7-blasts-4.9", "4.9% blasts is M1; day-14 marrow then not indicated", "M1 < 5%", f"{RULES} §4", 31,
       {"marrow.day7": "M1", "marrow.day14": "not-indicated", "response": "RER"},
       add=(marrow("marrow-day7", 4.9, 7),)),
    _s("day7-blasts-5", "5% blasts is M2; a day-14 marrow is indicated and missing: not evaluable",
       "M2 from 5%", f"{RULES} §4, §5", 31, {"marrow.day7": "M2", "marrow.day14": "missing", "response": "not-evaluable"},
       add=(marrow("marrow-day7", 5, 7),)),
    _s("day7-blasts-25", "25% blasts is M2", "M2 up to 25%", f"{RULES} §4", 31, {"marrow.day7": "M2"},
       add=(marrow("marrow-day7", 25, 7),)),
    _s("day7-blasts-25.1", "25.1% blasts is M3: SER", "M3 > 25%", f"{RULES} §4, §5", 31,
       {"marrow.day7": "M3", "response": "SER"}, add=(marrow("marrow-day7", 25.1, 7),)),
    _s("day7-coded-m2", "a coded M2 marrow status alone is M2", "coded marrow status", f"{RULES} §4", 31,
       {"marrow.day7": "M2"}, add=(coded_marrow("marrow-day7", "M2", 7),)),
    _s("day7-numeric-wins", "numeric 3% and coded M3 on day 7: numeric wins, M1", "numeric over coded",
       f"{RULES} §4", 31, {"marrow.day7": "M1"}, add=(coded_marrow("marrow-day7-coded", "M3", 7),)),
    _s("day7-window-day6", "a marrow on day 6 is the day-7 marrow (window 6-8)", "marrow window", f"{RULES} §1", 31,
       {"marrow.day7": "M2"}, add=(marrow("marrow-day7", 10, 6),)),
    _s("day7-window-day9", "a marrow on day 9 is outside the day-7 window: missing", "marrow window", f"{RULES} §1", 31,
       {"marrow.day7": "missing", "marrow.day14": "missing"}, add=(marrow("marrow-day7", 3, 9),)),
    # --- response
    _s("rer-m2-then-m1", "day-7 M2 then day-14 M1 and CR2: RER", "RER", f"{RULES} §5", 31,
       {"response": "RER", "cr2": "met"}, add=(D7_M2, marrow("marrow-day14", 2, 14))),
    _s("ser-m2-then-m2", "day-7 M2 then day-14 M2 and CR2: SER", "SER", f"{RULES} §5", 31,
       {"response": "SER"}, add=(D7_M2, marrow("marrow-day14", 8, 14))),
    _s("ser-wins-over-rer", "day-7 M1 and a day-14 M2 done anyway: SER wins", "SER over RER",
       f"{RULES} §5 Decision", 31, {"marrow.day14": "M2", "response": "SER"}, add=(marrow("marrow-day14", 6, 14),)),
    _s("not-evaluable-day7-missing", "day-7 marrow missing and day-14 M1: not evaluable", "not evaluable",
       f"{RULES} §5", 31, {"marrow.day7": "missing", "marrow.day14": "M1", "response": "not-evaluable"},
       add=(marrow("marrow-day14", 2, 14),), drop=("marrow-day7",)),
    _s("cr2-boundary-met", "ANC exactly 750 and platelets exactly 75,000 on day 28: CR2 met", "CR2 ANC >= 750, plt >= 75,000",
       f"{RULES} §5", 31, {"cr2": "met", "response": "RER"},
       add=(anc("anc-day28", 750, 28), platelets("platelets-day28", 75000, 28))),
    _s("cr2-anc-749", "ANC 749 on day 28: CR2 not met, induction failure", "CR2 ANC 749", f"{RULES} §5", 31,
       {"cr2": "not-met", "response": "induction-failure"}, add=(anc("anc-day28", 749, 28),)),
    _s("cr2-platelets-74999", "platelets 74,999 on day 28: CR2 not met", "CR2 platelets 74,999", f"{RULES} §5", 31,
       {"cr2": "not-met", "response": "induction-failure"}, add=(platelets("platelets-day28", 74999, 28),)),
    _s("cr2-marrow-m2", "day-28 marrow M2: CR2 not met, induction failure", "CR2 marrow", f"{RULES} §5", 31,
       {"marrow.day28": "M2", "cr2": "not-met", "response": "induction-failure"}, add=(marrow("marrow-day28", 5, 28),)),
    _s("cr2-peripheral-blasts", "circulating blasts on day 28: CR2 not met", "CR2 peripheral blasts", f"{RULES} §5", 31,
       {"cr2": "not-met"}, add=(quantity("blasts-day28", "26446-5", 1, "%", at(28)),)),
    _s("cr2-csf-positive-day28", "a positive CSF finding dated in the day-28 window is extramedullary disease: not met",
       "CR2 extramedullary disease", f"{RULES} §6", 31, {"cr2": "not-met", "cnsStatus": "negative"},
       add=(quantity("csf-wbc-day28", "26465-5", 20, "/uL", day(28)), csf_blasts("csf-cytology-day28", True, 28))),
    _s("cr2-window-open", "day 30, peripheral blasts not yet resulted: CR2 pending while the window is open",
       "day-28 window open", f"{REPORT} CR2", 30, {"cr2": "pending", "response": "pending", "marrow.day28": "M1"},
       drop=("blasts-day28",)),
    _s("cr2-window-closed", "day 31, peripheral blasts never resulted: CR2 indeterminate", "day-28 window closed",
       f"{REPORT} CR2", 31, {"cr2": "indeterminate", "response": "indeterminate"}, drop=("blasts-day28",)),
    _s("day28-marrow-missing", "no day-28 marrow and the window closed: marrow missing, CR2 indeterminate",
       "day-28 marrow missing", f"{REPORT} CR2", 31, {"marrow.day28": "missing", "cr2": "indeterminate"},
       drop=("marrow-day28",)),
    # --- induction death
    _s("induction-death-day20", "death on day 20: induction death; day 21 withheld (patient deceased)",
       "induction death", f"{RULES} §5", 31,
       {"response": "induction-death", D14: "give", D21: "withhold",
        "idarubicin.day21.evidence": ["Observation/anc-day21", "Observation/platelets-day21",
                                      "Patient/induction-death-day20"]},
       deceased=at(20)),
    _s("death-outranks-pending", "as of day 20, the death that day makes day 21 withheld, not pending",
       "death outranks pending", f"{REPORT} Idarubicin day 14/21", 20, {D21: "withhold", "response": "induction-death"},
       deceased=at(20)),
    _s("death-day31-after-window", "death on day 31, after the day-28 window: not an induction death", "day 30 boundary",
       f"{RULES} §5", 31, {"response": "RER"}, deceased=at(31)),
    # --- CNS status
    _s("cns-positive", "CSF WBC 6/uL with lymphoblasts: CNS positive, triple intrathecal", "CSF WBC > 5 with blasts",
       f"{RULES} §6", 0, {"cnsStatus": "positive"},
       add=(quantity("csf-wbc", "26465-5", 6, "/uL", day(-2)), csf_blasts("csf-cytology", True, -2))),
    _s("cns-negative-wbc-5", "CSF WBC exactly 5/uL: CNS negative (the paper's '> 5')", "CSF WBC 5",
       f"{RULES} §6", 0, {"cnsStatus": "negative"},
       add=(quantity("csf-wbc", "26465-5", 5, "/uL", day(-2)),), drop=("csf-cytology",)),
    _s("cns-negative-no-blasts", "CSF WBC 8/uL with lymphoblasts recorded absent: CNS negative", "CSF blasts absent",
       f"{REPORT} CNS status", 0, {"cnsStatus": "negative"}, add=(quantity("csf-wbc", "26465-5", 8, "/uL", day(-2)),)),
    _s("cns-unknown-no-cytology", "CSF WBC 6/uL with no cytology: CNS indeterminate", "CSF WBC > 5, no cytology",
       f"{RULES} §6", 0, {"cnsStatus": "indeterminate"},
       add=(quantity("csf-wbc", "26465-5", 6, "/uL", day(-2)),), drop=("csf-cytology",)),
    _s("cns-unknown-no-csf", "no CSF data and no CNS condition: CNS indeterminate", "no CSF data", f"{RULES} §6", 0,
       {"cnsStatus": "indeterminate"}, drop=("csf-wbc", "csf-cytology")),
    _s("cns-csf-too-old", "CSF results 31 days before day 0 are outside the window: indeterminate", "CSF window",
       f"{REPORT} CNS status", 0, {"cnsStatus": "indeterminate"},
       add=(quantity("csf-wbc", "26465-5", 2, "/uL", day(-31)), csf_blasts("csf-cytology", False, -31))),
    _s("cns-positive-by-site", "a combined relapse with a CNS body site: CNS positive; still eligible",
       "CNS relapse site", f"{RULES} §6, §7", 0, {"cnsStatus": "positive", "eligibility": "eligible"},
       add=(condition("all-relapse", ICD10, "C91.02", RELAPSE, sites=(BONE_MARROW, BRAIN), clinical="relapse"),)),
    # --- eligibility
    _s("age-0.99", "11 days short of 1 year at relapse: not eligible", "age 0.99", f"{RULES} §7", 0,
       {"eligibility": "not-eligible"}, birth="2023-02-21",
       add=(condition("all-diagnosis", SNOMED, "277571004", "2023-08-01", clinical="remission"),)),
    _s("age-1", "1 year on the relapse date: eligible", "age 1", f"{RULES} §7", 0, {"eligibility": "eligible"},
       birth="2023-02-20", add=(condition("all-diagnosis", SNOMED, "277571004", "2023-08-01", clinical="remission"),)),
    _s("age-21.99", "a day short of 22 years at relapse: eligible", "age 21.99", f"{RULES} §7", 0,
       {"eligibility": "eligible"}, birth="2002-02-21"),
    _s("age-22", "22 years on the relapse date: not eligible", "age 22", f"{RULES} §7", 0,
       {"eligibility": "not-eligible"}, birth="2002-02-20"),
    _s("down-syndrome", "Down syndrome on record: not eligible", "exclusion", f"{RULES} §7", 0,
       {"eligibility": "not-eligible"}, add=(condition("down", SNOMED, "41040004", "2013-05-10"),)),
    _s("down-syndrome-refuted", "a refuted Down syndrome condition is ignored: eligible", "verification status",
       f"{CONTRACT} Conditions", 0, {"eligibility": "eligible"},
       add=(condition("down", SNOMED, "41040004", "2013-05-10", verification="refuted"),), ignored=("Condition/down",)),
    _s("mature-b-cell", "mature B-cell leukemia on record: not eligible", "exclusion", f"{RULES} §7", 0,
       {"eligibility": "not-eligible"}, add=(condition("mature-b", ICD10, "C91.A0", "2019-01-15"),)),
    _s("generic-all", "a generic ALL code with no B-/T-cell code: immunophenotype unknown, indeterminate",
       "immunophenotype unknown", f"{RULES} §7", 0, {"eligibility": "indeterminate"},
       add=(condition("all-diagnosis", SNOMED, "91857003", "2019-01-15", clinical="remission"),)),
    _s("relapse-marrow-25", "a relapse marrow of 25% (none > 25%): no marrow relapse, not eligible",
       "marrow relapse > 25%", f"{RULES} §7", 0, {"eligibility": "not-eligible"},
       add=(marrow("relapse-marrow", 25, -12),)),
    _s("second-relapse", "two relapse conditions before day 0: not a first relapse, not eligible", "first relapse",
       f"{RULES} §7", 0, {"eligibility": "not-eligible"},
       add=(condition("earlier-relapse", ICD10, "C91.02", "2022-06-01", clinical="remission"),)),
    # --- relapse timing, risk and cytogenetics
    _s("relapse-23-months", "23 whole months from diagnosis to relapse: early", "23 months", f"{RULES} §7", 0,
       {"relapseTiming": "early", "relapseTiming.monthsFromDiagnosis": 23},
       add=(condition("all-diagnosis", SNOMED, "277571004", "2022-02-21", clinical="remission"),)),
    _s("relapse-24-months", "24 whole months: late", "24 months", f"{RULES} §7", 0,
       {"relapseTiming": "late", "relapseTiming.monthsFromDiagnosis": 24},
       add=(condition("all-diagnosis", SNOMED, "277571004", "2022-02-20", clinical="remission"),)),
    _s("wbc-50000-high-risk", "initial WBC exactly 50,000/uL (50 10*3/uL): high risk", "WBC < 50,000",
       f"{RULES} §7", 0, {"riskGroup": "high"}, add=(quantity("diagnosis-wbc", "6690-2", 50, "10*3/uL", "2019-01-15"),)),
    _s("wbc-49999-standard-risk", "initial WBC 49,999/uL: standard risk", "WBC < 50,000", f"{RULES} §7", 0,
       {"riskGroup": "standard"}, add=(quantity("diagnosis-wbc", "6690-2", 49999, "/uL", "2019-01-15"),)),
    _s("t9-22-unfavorable", "t(9;22) with high hyperdiploidy: unfavorable wins, high risk", "cytogenetics",
       f"{RULES} §7 Decision", 0, {"cytogeneticGroup": "unfavorable", "riskGroup": "high"},
       add=(cytogenetics("cytogenetics", "t9-22", "2019-01-20"), cytogenetics("cyto-2", "high-hyperdiploid", "2019-01-20"))),
    _s("cytogenetics-unknown", "no cytogenetic finding: group indeterminate and risk not standard", "cytogenetics unknown",
       f"{RULES} §7", 0, {"cytogeneticGroup": "indeterminate", "riskGroup": "indeterminate"}, drop=("cytogenetics",)),
    # --- BSA
    _s("bsa-missing", "no height on record: BSA null and every dose null, the decisions still stand", "BSA missing",
       f"{REPORT} Doses", 16, {"bsa": None, "idarubicin.day0": "give", "idarubicin.day0.dose": None, D14: "give"},
       drop=("height",)),
    _s("bsa-too-old", "height and weight 31 days before day 0 are not used: BSA null", "BSA lookback 30 days",
       f"{RULES} §2 Decision", 16, {"bsa": None},
       add=(quantity("height", "8302-2", 148, "cm", day(-31)), quantity("weight", "29463-7", 38.5, "kg", day(-31)))),
    _s("bsa-units", "height 1.4 m and weight 35,000 g convert: BSA 1.17 m2, idarubicin 11.67 mg", "BSA units",
       f"{RULES} §2", 16, {"bsa": 1.17, "idarubicin.day0.dose.value": 11.67},
       add=(quantity("height", "8302-2", 1.4, "m", day(-30)), quantity("weight", "29463-7", 35000, "g", day(0)))),
)

DATA = "data-quality.md"
NORMAL_DAY13_ANC = anc("anc-day13", 800, 13)


def _anc_as(ident: str, on: int, **value: Any) -> Resource:
    """An ANC on study day `on` whose value elements are replaced by `value` (e.g. a string, a qualified quantity)."""
    resource = anc(ident, 400, on)
    del resource["valueQuantity"]
    resource.update(value)
    return resource


def _qualified_anc(comparator: str, value: float) -> Resource:
    resource = anc("anc-day14", value, 14, "10*3/uL")
    resource["valueQuantity"]["comparator"] = comparator
    return resource


def _marrow_as(ident: str, on: int, **quantity: Any) -> Resource:
    resource = marrow(ident, 25, on)
    resource["valueQuantity"] = quantity
    return resource


DATA_QUALITY: tuple[Scenario, ...] = (
    _s("dq-unreadable-anc-newer", "the latest day-14 ANC cannot be read (a string): the older normal day-13 ANC never stands in",
       "an unreadable latest result blocks", f"{DATA} §1", 16, {D14: "indeterminate"},
       add=(NORMAL_DAY13_ANC, _anc_as("anc-day14", 14, valueString="0.4")), ignored=("Observation/anc-day14",)),
    _s("dq-unreadable-anc-older", "an unreadable ANC earlier on day 14 does not block the later readable one: withheld",
       "an older unreadable result does not block", f"{DATA} §1", 16, {D14: "withhold"},
       add=(LOW_ANC, {**anc("anc-day14-early", 0.4, 14, "g/dL"), "effectiveDateTime": at(14, "06:00:00+09:00")}),
       ignored=("Observation/anc-day14-early",)),
    _s("dq-cancelled-newer", "a cancelled day-14 ANC is set aside by rule: the day-13 ANC decides, given",
       "a result set aside by rule does not block", f"{DATA} §1", 16, {D14: "give"},
       add=(NORMAL_DAY13_ANC, anc("anc-day14", 400, 14, status="cancelled")), ignored=("Observation/anc-day14",)),
    _s("dq-data-absent", "a day-14 ANC reported absent (not performed) is set aside by rule: the day-13 ANC decides",
       "data absent is set aside by rule", f"{DATA} §1", 16, {D14: "give"},
       add=(NORMAL_DAY13_ANC, _anc_as("anc-day14", 14, dataAbsentReason={"coding": [{
           "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-performed"}]})),
       ignored=("Observation/anc-day14",)),
    _s("dq-partial-date", "an ANC dated only to the month may be the latest in every window of that month: indeterminate",
       "a date with less than day precision", f"{DATA} §6", 16, {D14: "indeterminate"},
       add=(NORMAL_DAY13_ANC, {**anc("anc-day14", 400, 14), "effectiveDateTime": "2024-03"}),
       ignored=("Observation/anc-day14",)),
    _s("dq-anc-below-qualified", "ANC <0.5 10*3/uL is below 500/uL for certain: withheld", "comparator settles",
       f"{DATA} §2", 16, {D14: "withhold"}, add=(_qualified_anc("<", 0.5),)),
    _s("dq-anc-qualified-unsettled", "ANC <1.0 10*3/uL could be 400 or 900/uL: indeterminate", "comparator does not settle",
       f"{DATA} §2", 16, {D14: "indeterminate"}, add=(_qualified_anc("<", 1.0),)),
    _s("dq-marrow-bare-number", "a day-14 blast value 25 with no unit is not a percentage: marrow indeterminate, and with "
       "low counts the dose is indeterminate (it may be M3)", "a percentage needs '%'", f"{DATA} §3", 16,
       {"marrow.day14": "indeterminate", D14: "indeterminate"},
       add=(D7_M2, LOW_ANC, _marrow_as("marrow-day14", 14, value=25)), ignored=("Observation/marrow-day14",)),
    _s("dq-marrow-below-10", "day-14 blasts <10 %: M1 or M2, not M3, so low counts still withhold",
       "a decision the remaining data settles is made", f"{DATA} §2", 16, {"marrow.day14": "indeterminate", D14: "withhold"},
       add=(D7_M2, LOW_ANC, _marrow_as("marrow-day14", 14, value=10, comparator="<", unit="%", code="%",
                                       system="http://unitsofmeasure.org"))),
    _s("dq-implausible-height", "a height of 900 cm is implausible: no BSA, no dose, the decisions stand",
       "plausible ranges", f"{DATA} §3", 16, {"bsa": None, "idarubicin.day0": "give", "idarubicin.day0.dose": None},
       add=(quantity("height", "8302-2", 900, "cm", day(-3)),), ignored=("Observation/height",)),
    _s("dq-conflict-same-time", "two day-14 ANCs at the same time, 400 and 900/uL, decide differently: indeterminate",
       "contradictions", f"{DATA} §4", 16, {D14: "indeterminate"},
       add=(LOW_ANC, anc("anc-day14-second", 900, 14)),
       ignored=("Observation/anc-day14", "Observation/anc-day14-second")),
    _s("dq-agree-same-time", "two day-14 ANCs at the same time, 400 and 420/uL, both low: withheld, both named",
       "values that agree decide", f"{DATA} §4", 16, {D14: "withhold"}, add=(LOW_ANC, anc("anc-day14-second", 420, 14))),
    _s("dq-deceased-no-date", "deceasedBoolean true: day 21 withheld (deceased, date not recorded), days before keep theirs",
       "death without a date", f"{DATA} §6", 21, {D21: "withhold", "idarubicin.day0": "give", D14: "give"}, deceased=True),
    _s("dq-as-of-before-day0", "an as-of date a week before day 0: every dose and marrow pending", "as-of before day 0",
       f"{DATA} §6", -7, {"idarubicin.day0": "pending", D14: "pending", "marrow.day7": "pending", "cr2": "pending"}),
)

SCENARIOS = SCENARIOS + DATA_QUALITY


def by_name() -> dict[str, Scenario]:
    """The scenarios by name (names are unique)."""
    out = {s.name: s for s in SCENARIOS}
    assert len(out) == len(SCENARIOS), "scenario names must be unique"
    return out
