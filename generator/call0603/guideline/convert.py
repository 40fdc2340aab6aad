"""Turns the validated guideline document into the typed model of `model.py`."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Mapping

from .words import fill, placeholder_values
from .model import (
    AgeRange, Agent, Amount, Assessment, Citation, CodeSystemDef, Coding, Concept, Dose, GradeRow, Guideline,
    IdarubicinDay, Intrathecal, IntrathecalRegimen, LibraryParameter, MarrowExam, PackageInfo, PlausibleRange, Regimen,
    Settings, Substance, Terminology, ValueSetDef, Window, Withholding,
)


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(int(value))


def _amount(raw: Mapping[str, Any]) -> Amount:
    return Amount(_dec(raw["value"]), raw["unit"])


def _cite(raw: Mapping[str, Any]) -> Citation:
    return Citation(raw["section"], raw.get("quote"), raw.get("decision"))


def _window(raw: Mapping[str, Any]) -> Window:
    return Window(raw["first"], raw["last"])


def _days(schedule: Mapping[str, Any]) -> tuple[tuple[int, ...], Window | None]:
    if "daily" in schedule:
        window = _window(schedule["daily"])
        return window.days, window
    return tuple(schedule["days"]), None


def to_guideline(doc: Mapping[str, Any]) -> Guideline:
    """The typed guideline of a document that passed the schema and `checks.check_document`."""
    terminology = _terminology(doc["package"]["canonical"], doc["terminology"])
    settings = _settings(doc["settings"])
    regimen = _regimen(doc["regimen"], terminology, settings)
    assessment = _assessment(doc["assessment"])
    values = placeholder_values(assessment, regimen)
    package = _package(doc["package"])
    return Guideline(
        package=replace(package, description=fill(package.description, values)),
        settings=settings,
        regimen=regimen,
        assessment=assessment,
        terminology=replace(terminology, code_systems=tuple(
            replace(cs, concepts=tuple(replace(c, definition=fill(c.definition, values)) for c in cs.concepts))
            for cs in terminology.code_systems
        )),
        document=MappingProxyType(dict(doc)),
    )


def _package(raw: Mapping[str, Any]) -> PackageInfo:
    lib = raw["library"]
    return PackageInfo(
        canonical=raw["canonical"], id=raw["id"], name=raw["name"], title=raw["title"], version=raw["version"],
        status=raw["status"], experimental=raw["experimental"], date=raw["date"], publisher=raw["publisher"],
        fhir_version=raw["fhir_version"], npm_name=raw["npm_name"], description=raw["description"],
        citation=raw["citation"]["text"], doi=raw["citation"]["doi"],
        library_id=lib["id"], library_name=lib["name"], library_title=lib["title"],
        common_library_id=lib["common"]["id"], common_library_name=lib["common"]["name"],
        common_library_title=lib["common"]["title"],
        fhirhelpers_url=lib["fhirhelpers"]["url"], fhirhelpers_version=lib["fhirhelpers"]["version"],
        parameters=tuple(LibraryParameter(p["name"], p["type"], p["use"], p["description"]) for p in lib["parameters"]),
        defines=MappingProxyType(dict(lib["defines"])),
        plan_definition_id=raw["plan_definition"]["id"], plan_definition_name=raw["plan_definition"]["name"],
        plan_definition_title=raw["plan_definition"]["title"],
    )


def _settings(raw: Mapping[str, Any]) -> Settings:
    caps = raw["dose_caps"]
    return Settings(
        start_sources=tuple(raw["time_frame"]["start_sources"]),
        count_lookback_days=raw["count_lookback_days"]["value"],
        marrow_windows=MappingProxyType({k: _window(raw["marrow_windows"][k]) for k in ("day7", "day14", "day28")}),
        withholding_scope=raw["withholding_scope"]["value"],
        bsa_formula=raw["bsa"]["formula"],
        bsa_lookback_days=raw["bsa"]["measurement_lookback_days"],
        display_decimals=raw["dose_rounding"]["display_decimals"],
        dose_caps_enabled=caps["enabled"],
        dose_caps=MappingProxyType({c["agent"]: _amount(c["max"]) for c in caps["caps"]}),
        dose_increments=MappingProxyType({r["agent"]: _amount(r["increment"]) for r in raw["dispensable_doses"]["rounding"]}),
        valid_observation_statuses=tuple(raw["valid_observation_statuses"]["value"]),
        ignored_verification_statuses=tuple(raw["ignored_verification_statuses"]["value"]),
        cns_lookback_days=raw["cns_lookback_days"]["value"],
        relapse_marrow_lookback_days=raw["relapse_marrow_lookback_days"]["value"],
        diagnosis_wbc_window_days=raw["diagnosis_wbc_window_days"]["value"],
        response_precedence=raw["response_precedence"]["value"],
        cytogenetic_precedence=raw["cytogenetic_precedence"]["value"],
        plausible_ranges=MappingProxyType({
            concept: PlausibleRange(_amount(r["min"]), _amount(r["max"]))
            for concept, r in sorted(raw["plausible_ranges"]["ranges"].items())
        }),
    )


def _regimen(raw: Mapping[str, Any], terms: Terminology, settings: Settings) -> Regimen:
    agents = []
    for a in raw["agents"]:
        days, daily = _days(a["schedule"])
        dose = a["dose"]
        agents.append(Agent(
            id=a["id"], title=a["title"], substance=terms.substances[a["substance"]], route=terms.routes[a["route"]],
            route_id=a["route"], dose=Dose(_dec(dose["value"]), dose["unit"], dose.get("per") == "day"),
            days=days, daily=daily, ordered_dose_define=a["cql"]["ordered_dose"], cite=_cite(a["cite"]),
        ))
    hold = raw["withholding"]
    withholding = Withholding(
        agent=hold["agent"], days=tuple(hold["days"]),
        anc_below=_amount(hold["anc_below"]), platelets_below=_amount(hold["platelets_below"]),
        override_marrow=hold["override"]["marrow_day"], override_status=hold["override"]["status"],
        override_days=tuple(hold["override"]["days"]), scope=settings.withholding_scope,
        decisions=tuple(
            IdarubicinDay(e["day"], e["day"] in hold["days"], e["decision"], e["give"], e["withhold"], e["indeterminate"],
                          e["undecided"], e["reason"], e["supporting"], e["dose"])
            for e in hold["cql"]
        ),
        cite=_cite(hold["cite"]),
    )
    it = raw["intrathecal"]
    intrathecal = Intrathecal(
        regimens=tuple(
            IntrathecalRegimen(
                id=r["id"], title=r["title"], cns_status=r["cns_status"], condition_define=r["cql"]["condition"],
                substances=tuple(terms.substances[s] for s in r["substances"]), route=terms.routes[r["route"]],
                days=_days(r["schedule"])[0], cite=_cite(r["cite"]),
            )
            for r in it["regimens"]
        ),
        dose_note=it["dose_note"], undetermined_define=it["cql"]["undetermined"],
        reason_define=it["cql"]["reason"],
    )
    exams = tuple(
        MarrowExam(
            id=m["id"], window_name=m["window"], day=m["day"], window=settings.marrow_windows[m["window"]],
            only_if_not=(m["only_if_not"]["window"], m["only_if_not"]["status"]) if "only_if_not" in m else None,
            status_define=m["cql"]["status"], condition_define=m["cql"].get("condition"), cite=_cite(m["cite"]),
        )
        for m in raw["marrow_exams"]
    )
    return Regimen(tuple(agents), withholding, intrathecal, exams, raw["after_day28"]["text"])


def _assessment(raw: Mapping[str, Any]) -> Assessment:
    elig, risk, tox = raw["eligibility"], raw["risk_group"], raw["toxicity"]

    def ages(r: Mapping[str, Any]) -> AgeRange:
        return AgeRange(_dec(r["min"]), _dec(r["below"]))

    def grades(rows: list[Mapping[str, Any]]) -> tuple[GradeRow, ...]:
        return tuple(GradeRow(r["grade"], _amount(r["below"])) for r in rows)

    groups = raw["cytogenetic_groups"]
    return Assessment(
        m2_from=_amount(raw["marrow_status"]["m2_from"]), m3_above=_amount(raw["marrow_status"]["m3_above"]),
        numeric_marrow_wins=raw["marrow_status"]["numeric_wins"],
        age_years=ages(elig["age_years"]), relapse_marrow_above=_amount(elig["relapse_marrow_above"]),
        immunophenotypes=tuple(elig["immunophenotypes"]), exclusions=tuple(elig["exclusions"]),
        prior_hsct_allowed=elig["prior_allogeneic_hsct_allowed"], first_relapse_count=elig["first_relapse_count"],
        early_relapse_below_months=raw["relapse_timing"]["early_below_months"],
        standard_risk_age_years=ages(risk["standard_age_years"]),
        standard_risk_wbc_below=_amount(risk["standard_wbc_below"]),
        high_risk_findings=tuple(risk["high_risk_findings"]),
        cytogenetic_groups=MappingProxyType({k: tuple(groups[k]) for k in ("unfavorable", "favorable", "normal", "other")}),
        csf_wbc_above=_amount(raw["cns"]["csf_wbc_above"]), cns_sites=tuple(raw["cns"]["clinical_signs_sites"]),
        extramedullary_sites=tuple(raw["extramedullary"]["non_marrow_sites"]),
        cr2_window=raw["cr2"]["window"], cr2_anc_min=_amount(raw["cr2"]["anc_min"]),
        cr2_platelets_min=_amount(raw["cr2"]["platelets_min"]),
        induction_death_window=raw["response"]["induction_death_window"],
        toxicity_window_end=tox["window_end"],
        neutropenia=grades(tox["neutropenia"]), thrombocytopenia=grades(tox["thrombocytopenia"]),
        anemia=grades(tox["anemia"]), grade1_below_reference_low=tox["grade1_below_reference_low"],
    )


def _terminology(canonical: str, raw: Mapping[str, Any]) -> Terminology:
    systems = dict(raw["systems"])
    own = {cs["id"]: f"{canonical}/CodeSystem/{cs['id']}" for cs in raw["code_systems"]}
    uris = {**systems, **own}

    def coding(c: Mapping[str, Any]) -> Coding:
        return Coding(uris[c["system"]], c["code"], c["display"])

    return Terminology(
        systems=MappingProxyType(uris),
        system_versions=MappingProxyType({systems[name]: version for name, version in raw["system_versions"].items()}),
        substances=MappingProxyType({
            k: Substance(
                k,
                Coding(systems["rxnorm"], v["rxnorm"]["code"], v["rxnorm"]["display"]),
                Coding(systems["snomed"], v["snomed"]["code"], v["snomed"]["display"]),
            )
            for k, v in raw["substances"].items()
        }),
        routes=MappingProxyType({k: coding(v) for k, v in raw["routes"].items()}),
        body_sites=MappingProxyType({k: tuple(coding(c) for c in v) for k, v in raw["body_sites"].items()}),
        procedures=MappingProxyType({k: coding(v) for k, v in raw["procedures"].items()}),
        code_systems=tuple(
            CodeSystemDef(
                cs["id"], own[cs["id"]], cs["name"], cs["title"], cs["description"],
                tuple(Concept(c["code"], c["display"], c["definition"]) for c in cs["concepts"]),
            )
            for cs in raw["code_systems"]
        ),
        value_sets=tuple(
            ValueSetDef(vs["id"], f"{canonical}/ValueSet/{vs['id']}", vs["name"], vs["title"], tuple(coding(c) for c in vs["codes"]))
            for vs in raw["value_sets"]
        ),
    )
