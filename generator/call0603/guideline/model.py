"""The guideline as typed, immutable Python values: what every generator reads instead of raw YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping


@dataclass(frozen=True)
class Citation:
    """Where an item comes from: the paper's section, its words, and for a Decision the default taken and why."""

    section: str
    quote: str | None = None
    decision: str | None = None


@dataclass(frozen=True)
class Amount:
    """A threshold or dose amount: an exact decimal value with its UCUM unit."""

    value: Decimal
    unit: str

    def cql(self) -> str:
        """The CQL Quantity literal, e.g. `500 '/uL'` (decimal-exact, never in exponent form)."""
        return f"{decimal_text(self.value)} '{self.unit}'"


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text without exponent or superfluous zeros: 500, 1.5, 8.0 → 8."""
    text = format(value.normalize(), "f")
    return text


@dataclass(frozen=True)
class Window:
    """A closed range of study days, first..last."""

    first: int
    last: int

    @property
    def days(self) -> tuple[int, ...]:
        """Every study day of the window."""
        return tuple(range(self.first, self.last + 1))


@dataclass(frozen=True)
class Coding:
    """A code with its system URI and an informative display (data are matched on system and code only)."""

    system: str
    code: str
    display: str


@dataclass(frozen=True)
class Substance:
    """An active ingredient with its RxNorm ingredient code and SNOMED CT substance code."""

    id: str
    rxnorm: Coding
    snomed: Coding


@dataclass(frozen=True)
class Dose:
    """A body-surface-area dose (`mg/m2` or `[iU]/m2`), per administration or, with `per_day`, per day."""

    value: Decimal
    unit: str
    per_day: bool = False

    @property
    def ordered_unit(self) -> str:
        """The unit of the ordered dose once multiplied by the BSA: `mg` or `[iU]`."""
        return self.unit.removesuffix("/m2")


@dataclass(frozen=True)
class Agent:
    """A systemic agent of the reinduction: dose, route, study days and the CQL define of its ordered dose."""

    id: str
    title: str
    substance: Substance
    route: Coding
    route_id: str
    dose: Dose
    days: tuple[int, ...]
    daily: Window | None
    ordered_dose_define: str
    cite: Citation


@dataclass(frozen=True)
class IdarubicinDay:
    """The CQL defines deciding one idarubicin dose; `conditional` days fall under the withholding rule."""

    day: int
    conditional: bool
    decision_define: str
    give_define: str
    withhold_define: str
    indeterminate_define: str
    undecided_define: str
    reason_define: str
    supporting_define: str
    dose_define: str


@dataclass(frozen=True)
class Withholding:
    """The idarubicin withholding rule: thresholds (strict `<`), the M3 override and its scope."""

    agent: str
    days: tuple[int, ...]
    anc_below: Amount
    platelets_below: Amount
    override_marrow: str
    override_status: str
    override_days: tuple[int, ...]
    scope: str
    decisions: tuple[IdarubicinDay, ...]
    cite: Citation

    def day(self, day: int) -> IdarubicinDay:
        """The defines of the dose on study day `day`."""
        for entry in self.decisions:
            if entry.day == day:
                return entry
        raise KeyError(day)


@dataclass(frozen=True)
class IntrathecalRegimen:
    """An intrathecal schedule for one CNS status; no dose (the paper gives none)."""

    id: str
    title: str
    cns_status: str
    condition_define: str
    substances: tuple[Substance, ...]
    route: Coding
    days: tuple[int, ...]
    cite: Citation


@dataclass(frozen=True)
class Intrathecal:
    """The intrathecal schedules by CNS status, and the define that says CNS status is undetermined."""

    regimens: tuple[IntrathecalRegimen, ...]
    dose_note: str
    undetermined_define: str
    reason_define: str

    def for_status(self, status: str) -> IntrathecalRegimen:
        """The regimen for CNS status `positive` or `negative`."""
        return next(r for r in self.regimens if r.cns_status == status)


@dataclass(frozen=True)
class MarrowExam:
    """A bone marrow examination of the schedule, its window, and the defines of its status and indication."""

    id: str
    window_name: str
    day: int
    window: Window
    only_if_not: tuple[str, str] | None
    status_define: str
    condition_define: str | None
    cite: Citation


@dataclass(frozen=True)
class Regimen:
    """The 28-day reinduction: systemic agents, withholding rule, intrathecal therapy, marrow schedule."""

    agents: tuple[Agent, ...]
    withholding: Withholding
    intrathecal: Intrathecal
    marrow_exams: tuple[MarrowExam, ...]
    after_day28: str

    def agent(self, agent_id: str) -> Agent:
        """The agent with id `agent_id`."""
        return next(a for a in self.agents if a.id == agent_id)

    def marrow(self, window_name: str) -> MarrowExam:
        """The marrow examination of window `day7`, `day14` or `day28`."""
        return next(m for m in self.marrow_exams if m.window_name == window_name)


@dataclass(frozen=True)
class Settings:
    """Every Decision setting of docs/rules.md."""

    start_sources: tuple[str, ...]
    count_lookback_days: int
    marrow_windows: Mapping[str, Window]
    withholding_scope: str
    bsa_formula: str
    bsa_lookback_days: int
    display_decimals: int
    dose_caps_enabled: bool
    dose_caps: Mapping[str, Amount]
    dose_increments: Mapping[str, Amount]
    valid_observation_statuses: tuple[str, ...]
    ignored_verification_statuses: tuple[str, ...]
    cns_lookback_days: int
    relapse_marrow_lookback_days: int
    diagnosis_wbc_window_days: int
    response_precedence: str
    cytogenetic_precedence: str
    plausible_ranges: Mapping[str, "PlausibleRange"]


@dataclass(frozen=True)
class PlausibleRange:
    """The physiologically possible values of one input concept (`min <= value <= max`); outside is an error in the data."""

    min: Amount
    max: Amount


@dataclass(frozen=True)
class AgeRange:
    """Ages in years, `min <= age < below`."""

    min: Decimal
    below: Decimal


@dataclass(frozen=True)
class GradeRow:
    """One CTCAE grade: a result strictly below `below` has at least this grade."""

    grade: int
    below: Amount


@dataclass(frozen=True)
class Assessment:
    """Classification and response rules: marrow bands, eligibility, timing, risk, cytogenetics, CNS, CR2, toxicity."""

    m2_from: Amount
    m3_above: Amount
    numeric_marrow_wins: bool
    age_years: AgeRange
    relapse_marrow_above: Amount
    immunophenotypes: tuple[str, ...]
    exclusions: tuple[str, ...]
    prior_hsct_allowed: bool
    first_relapse_count: int
    early_relapse_below_months: int
    standard_risk_age_years: AgeRange
    standard_risk_wbc_below: Amount
    high_risk_findings: tuple[str, ...]
    cytogenetic_groups: Mapping[str, tuple[str, ...]]
    csf_wbc_above: Amount
    cns_sites: tuple[str, ...]
    extramedullary_sites: tuple[str, ...]
    cr2_window: str
    cr2_anc_min: Amount
    cr2_platelets_min: Amount
    induction_death_window: str
    toxicity_window_end: str
    neutropenia: tuple[GradeRow, ...]
    thrombocytopenia: tuple[GradeRow, ...]
    anemia: tuple[GradeRow, ...]
    grade1_below_reference_low: bool


@dataclass(frozen=True)
class Concept:
    """A concept of one of the package's own CodeSystems."""

    code: str
    display: str
    definition: str


@dataclass(frozen=True)
class CodeSystemDef:
    """One of the package's own CodeSystems, `url` = canonical + /CodeSystem/ + id."""

    id: str
    url: str
    name: str
    title: str
    description: str
    concepts: tuple[Concept, ...]


@dataclass(frozen=True)
class ValueSetDef:
    """A ValueSet of one input concept, listing its codes (`url` = canonical + /ValueSet/ + id)."""

    id: str
    url: str
    name: str
    title: str
    codes: tuple[Coding, ...]


@dataclass(frozen=True)
class Terminology:
    """External systems, substances, routes, body sites and the package's CodeSystems and ValueSets."""

    systems: Mapping[str, str]
    system_versions: Mapping[str, str]
    substances: Mapping[str, Substance]
    routes: Mapping[str, Coding]
    body_sites: Mapping[str, tuple[Coding, ...]]
    procedures: Mapping[str, Coding]
    code_systems: tuple[CodeSystemDef, ...]
    value_sets: tuple[ValueSetDef, ...]

    def version_of(self, system: str) -> str:
        """The version an expansion states for a code system URI: the package's for its own, else `system_versions`."""
        if system in self.system_versions:
            return self.system_versions[system]
        raise KeyError(f"terminology.system_versions names no version for {system}")

    def value_set(self, vs_id: str) -> ValueSetDef:
        """The ValueSet with id `vs_id`."""
        return next(v for v in self.value_sets if v.id == vs_id)

    def code_system(self, cs_id: str) -> CodeSystemDef:
        """The package CodeSystem with id `cs_id`."""
        return next(c for c in self.code_systems if c.id == cs_id)


@dataclass(frozen=True)
class LibraryParameter:
    """A parameter of the CQL Library (also a Library.parameter and an $apply parameter)."""

    name: str
    type: str
    use: str
    description: str


@dataclass(frozen=True)
class PackageInfo:
    """The package's identity and the names and canonicals of its Library and PlanDefinition."""

    canonical: str
    id: str
    name: str
    title: str
    version: str
    status: str
    experimental: bool
    date: str
    publisher: str
    fhir_version: str
    npm_name: str
    description: str
    citation: str
    doi: str
    library_id: str
    library_name: str
    library_title: str
    common_library_id: str
    common_library_name: str
    common_library_title: str
    fhirhelpers_url: str
    fhirhelpers_version: str
    parameters: tuple[LibraryParameter, ...]
    defines: Mapping[str, str]
    plan_definition_id: str
    plan_definition_name: str
    plan_definition_title: str

    @property
    def library_url(self) -> str:
        """The Library's canonical URL."""
        return f"{self.canonical}/Library/{self.library_id}"

    @property
    def common_library_url(self) -> str:
        """The canonical URL of the included library of FHIR data functions and per-day rules."""
        return f"{self.canonical}/Library/{self.common_library_id}"

    @property
    def data_problem_url(self) -> str:
        """The extension the evaluator's reading layer puts on an input resource it could not take as it stands,
        saying why (the CQL sets such a resource aside as an error in the data)."""
        return f"{self.canonical}/StructureDefinition/data-problem"

    @property
    def plan_definition_url(self) -> str:
        """The PlanDefinition's canonical URL."""
        return f"{self.canonical}/PlanDefinition/{self.plan_definition_id}"

    @property
    def fhirhelpers_canonical(self) -> str:
        """`url|version` of FHIRHelpers, the Library's depends-on."""
        return f"{self.fhirhelpers_url}|{self.fhirhelpers_version}"


@dataclass(frozen=True)
class Guideline:
    """The whole guideline: typed parts, plus the validated document (one key per YAML file) for templates."""

    package: PackageInfo
    settings: Settings
    regimen: Regimen
    assessment: Assessment
    terminology: Terminology
    document: Mapping[str, Any] = field(repr=False, compare=False)
