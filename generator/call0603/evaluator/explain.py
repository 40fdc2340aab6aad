"""The decision trace (`assess --explain`): for each decision, the define that made it, its inputs as received and
as converted, the thresholds it applies (from guideline/), and the resources set aside with why.

Values "as converted" come from the Library's own conversion functions run by the engine, and thresholds from the
same guideline/ the CQL was rendered from, so the trace shows the rule's numbers without applying any rule itself.
"""

from __future__ import annotations

from typing import Any

from ..authoring.cql import unit_function_name
from ..cql.fhir.retrieve import resource_codes
from ..guideline.model import Amount, Guideline
from .assess import Evaluation, set_aside
from .context import EvaluationContext
from .fhirvalue import to_fhir

#: Quantity concepts (value set ids) and the unit their rules compare in.
QUANTITY_UNITS = {
    "anc": "/uL", "platelets": "/uL", "hemoglobin": "g/dL", "marrow-blasts": "%", "csf-wbc": "/uL",
    "diagnosis-wbc": "/uL", "body-height": "cm", "body-weight": "kg", "peripheral-blasts-percent": "%",
    "peripheral-blasts-count": "/uL",
}


def _amount(a: Amount) -> str:
    return f"{a.value} {a.unit}"


def thresholds(g: Guideline) -> dict[str, list[str]]:
    """The numbers each report field's rule applies, in words, straight from guideline/."""
    a, w, s = g.assessment, g.regimen.withholding, g.settings
    windows = {name: f"days {win.first}-{win.last}" for name, win in s.marrow_windows.items()}
    counts_low = [f"ANC < {_amount(w.anc_below)} or platelets < {_amount(w.platelets_below)} (latest valid results "
                  f"dated day d-{s.count_lookback_days} to day d)",
                  f"day-{w.override_marrow.removeprefix('day')} marrow {w.override_status}: given regardless of counts"]
    marrow = [f"M1 < {_amount(a.m2_from)}; M2 {_amount(a.m2_from)} to {_amount(a.m3_above)}; M3 > {_amount(a.m3_above)}"]
    out: dict[str, list[str]] = {
        "eligibility": [f"age at relapse >= {a.age_years.min} and < {a.age_years.below} years",
                        f"marrow relapse: blasts > {_amount(a.relapse_marrow_above)}"],
        "relapseTiming": [f"early < {a.early_relapse_below_months} months from initial diagnosis to relapse"],
        "riskGroup": [f"standard: age >= {a.standard_risk_age_years.min} and < {a.standard_risk_age_years.below} years, "
                      f"initial WBC < {_amount(a.standard_risk_wbc_below)}, none of {', '.join(a.high_risk_findings)}"],
        "cnsStatus": [f"positive: CSF WBC > {_amount(a.csf_wbc_above)} with lymphoblasts, or a CNS relapse site"],
        "bsa": [f"{s.bsa_formula}, latest height and weight within {s.bsa_lookback_days} days before day 0"],
        "cr2": [f"M1 marrow, ANC >= {_amount(a.cr2_anc_min)}, platelets >= {_amount(a.cr2_platelets_min)}, "
                "no peripheral blasts, no extramedullary disease"],
        "toxicity": [f"{name}: " + ", ".join(f"grade {r.grade} < {_amount(r.below)}" for r in rows)
                     for name, rows in (("neutropenia", a.neutropenia), ("thrombocytopenia", a.thrombocytopenia),
                                        ("anemia", a.anemia))],
    }
    for day in ("day7", "day14", "day28"):
        out[f"marrow.{day}"] = marrow + ([f"window {windows[day]}"] if day in windows else [])
    for entry in w.decisions:
        out[f"idarubicin.day{entry.day}"] = counts_low if entry.conditional else ["no count rule on this day"]
    return out


def _concept_of(resource: dict[str, Any], context: EvaluationContext) -> str | None:
    codes = set(resource_codes(resource.get("code")))
    for vs_id in QUANTITY_UNITS:
        if codes & context.terminology.members(context.guideline.terminology.value_set(vs_id).url):
            return vs_id
    return None


def _received(resource: dict[str, Any]) -> str | None:
    for key, value in resource.items():
        if key == "valueQuantity" and isinstance(value, dict):
            return f"{value.get('value')} {value.get('code') or value.get('unit') or ''}".strip()
        if key == "valueCodeableConcept" and isinstance(value, dict) and isinstance(value.get("coding"), list):
            return ", ".join(str(c.get("code", "")) for c in value["coding"] if isinstance(c, dict))
        if key.startswith("value") and not isinstance(value, (dict, list)):
            return str(value)
    return None


def _input(reference: str, evaluation: Evaluation, context: EvaluationContext) -> dict[str, Any]:
    kind, _, ident = reference.partition("/")
    resource = next((r for r in evaluation.data.of_type(kind) if r.get("id") == ident), None)
    item: dict[str, Any] = {"resource": reference}
    if resource is None:
        return item
    period = resource.get("effectivePeriod")
    dates = (resource.get("effectiveDateTime"), period.get("start") if isinstance(period, dict) else None,
             resource.get("onsetDateTime"), resource.get("birthDate"))
    date = next((d for d in dates if isinstance(d, str) and d), None)
    if date:
        item["date"] = date
    if isinstance(resource.get("status"), str) and resource["status"]:
        item["status"] = resource["status"]
    received = _received(resource)
    if received is not None:
        item["received"] = received
    concept = _concept_of(resource, context) if kind == "Observation" and "valueQuantity" in resource else None
    if concept is not None:
        unit = QUANTITY_UNITS[concept]
        converted = context.engine.call(context.guideline.package.common_library_name, unit_function_name(unit), resource, data=evaluation.data,
                                        terminology=context.terminology)
        item["converted"] = f"{converted.value} {converted.unit}" if converted is not None else \
            f"does not convert to {unit}"
    return item


def _evidence(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return []
    found = [e for e in value.get("evidence") or [] if isinstance(e, str)]
    for inner in value.values():
        if isinstance(inner, dict):
            found += [e for e in inner.get("evidence") or [] if isinstance(e, str) and e not in found]
    return found


def trace(evaluation: Evaluation, context: EvaluationContext) -> dict[str, Any]:
    """The decision trace of one evaluation."""
    limits = thresholds(context.guideline)
    decisions = []
    for field, define in context.report_defines.items():
        if field in ("start", "asOf", "studyDay"):
            continue
        value = evaluation.results[define]
        out = to_fhir(value)
        entry: dict[str, Any] = {"decision": field, "define": define}
        if isinstance(out, dict):
            for key in ("value", "reason", "reasons"):
                if key in out:
                    entry[key] = out[key]
        entry["inputs"] = [_input(ref, evaluation, context) for ref in _evidence(out)]
        entry["thresholds"] = limits.get(field, [])
        decisions.append(entry)
    ignored = set_aside(evaluation)
    return {"decisions": decisions, "ignored": ignored}
