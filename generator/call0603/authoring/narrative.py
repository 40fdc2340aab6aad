"""Each artifact's generated narrative (`text`, status generated): XHTML tables made from the values the artifact
is built from, so the human-readable part cannot say other numbers than the computable part."""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Mapping, Sequence

from ..guideline.model import Guideline
from . import text

XHTML = "http://www.w3.org/1999/xhtml"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An XHTML table (every cell escaped)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def paragraph(words: str) -> str:
    """An XHTML paragraph (escaped)."""
    return f"<p>{escape(words)}</p>"


def narrative(*parts: str) -> dict[str, str]:
    """A Narrative of status `generated` holding `parts` in one XHTML div."""
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{"".join(parts)}</div>'}


def plan_rows(guideline: Guideline) -> list[tuple[str, str, str, str]]:
    """The plan as (study days, action, dose, condition) rows, in the order of the PlanDefinition's actions."""
    regimen, rows = guideline.regimen, []
    for agent in regimen.agents:
        dose = f"{text.dose_line(agent)}, times the BSA"
        if agent.id == regimen.withholding.agent:
            rows += [(str(e.day), agent.title, dose, text.day_rule(guideline, e))
                     for e in regimen.withholding.decisions]
        else:
            rows.append((text.study_days(agent.days, agent.daily is not None), agent.title, dose, "None."))
    for r in regimen.intrathecal.regimens:
        rows.append((text.study_days(r.days), r.title, f"Dose {regimen.intrathecal.dose_note}.", f"CNS {r.cns_status}."))
    rows.append(("0", "CNS status needed", "-", "CNS status indeterminate: the care team is asked for it before intrathecal therapy."))
    rows += [(str(m.day), "Bone marrow examination", "-", text.marrow_condition(guideline, m)) for m in regimen.marrow_exams]
    return rows


def plan_narrative(guideline: Guideline) -> dict[str, str]:
    """The PlanDefinition's narrative: its description and a table of every action with days, doses and conditions."""
    return narrative(
        paragraph(guideline.package.description),
        paragraph("Study day 0 is the first day of reinduction; BSA is the body surface area."),
        table(("Study days", "Action", "Dose", "Condition"), plan_rows(guideline)),
    )


def activity_narrative(resource: Mapping[str, Any]) -> dict[str, str]:
    """An ActivityDefinition's narrative: what it orders, its dose and schedule, as its own fields say them."""
    rows = [("Activity", resource["title"]), ("Request", resource["kind"] + (" (do not perform)" if resource.get("doNotPerform") else ""))]
    product = resource.get("productCodeableConcept") or resource.get("productReference")
    if product:
        rows.append(("Product", product.get("text") or product.get("display", "")))
    rows += [("Dosage", d["text"]) for d in resource.get("dosage", []) if d.get("text")]
    if resource.get("usage"):
        rows.append(("Usage", resource["usage"]))
    rows.append(("Description", resource["description"]))
    return narrative(table(("Element", "Value"), rows))


def library_narrative(resource: Mapping[str, Any]) -> dict[str, str]:
    """A Library's narrative: its description, input parameters, output count and data requirements."""
    parameters = resource.get("parameter", [])
    inputs = [(p["name"], p["type"], p.get("documentation", "")) for p in parameters if p["use"] == "in"]
    outputs = sum(1 for p in parameters if p["use"] == "out")
    parts = [paragraph(resource["description"])]
    if inputs:
        parts += [paragraph("Input parameters:"), table(("Name", "Type", "Meaning"), inputs)]
    if outputs:
        parts.append(paragraph(f"{outputs} output parameters, one per define of the library."))
    requirements = [
        (r["type"], ", ".join(f["valueSet"] for f in r.get("codeFilter", [])) or "-", ", ".join(r.get("mustSupport", [])) or "-")
        for r in resource.get("dataRequirement", [])
    ]
    if requirements:
        parts += [paragraph("Data requirements:"), table(("Type", "Value set", "Elements read"), requirements)]
    return narrative(*parts)


def code_system_narrative(resource: Mapping[str, Any]) -> dict[str, str]:
    """A CodeSystem's narrative: every concept with its display and definition."""
    rows = [(c["code"], c["display"], c.get("definition", "")) for c in resource["concept"]]
    return narrative(paragraph(resource["description"]), table(("Code", "Display", "Definition"), rows))


def value_set_narrative(resource: Mapping[str, Any]) -> dict[str, str]:
    """A ValueSet's narrative: every code of its expansion with system and version."""
    rows = [(c["code"], c["display"], c["system"], c.get("version", "")) for c in resource["expansion"]["contains"]]
    return narrative(paragraph(resource["description"]), table(("Code", "Display", "System", "Version"), rows))


def with_narrative(resource: dict[str, Any], guideline: Guideline) -> dict[str, Any]:
    """`resource` with its generated narrative."""
    kind = resource["resourceType"]
    if kind == "PlanDefinition":
        resource["text"] = plan_narrative(guideline)
    elif kind == "ActivityDefinition":
        resource["text"] = activity_narrative(resource)
    elif kind == "Library":
        resource["text"] = library_narrative(resource)
    elif kind == "CodeSystem":
        resource["text"] = code_system_narrative(resource)
    elif kind == "ValueSet":
        resource["text"] = value_set_narrative(resource)
    return resource
