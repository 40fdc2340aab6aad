"""docs/rules.md, generated from guideline/: every rule, setting, threshold and window with its citation of the
paper, and the codes the package reads. Settings and assessment rules are rendered from the document as they
stand, so a setting added to guideline/ appears here without a change to this module."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator, Mapping

from ..guideline.model import Guideline
from ..guideline.words import number_text
from . import text

#: The generated page, repository-relative.
RULES_DOC = "docs/rules.md"

#: Assessment blocks by section (numbered as the test kit cites them); any other block goes to "Other rules".
ASSESSMENT_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("4. Marrow status", ("marrow_status",)),
    ("5. Early response and remission", ("cr2", "response")),
    ("6. CNS status and extramedullary disease", ("cns", "extramedullary")),
    ("7. Eligibility and classification", ("eligibility", "relapse_timing", "risk_group", "cytogenetic_groups")),
    ("8. Toxicity", ("toxicity",)),
)


#: Abbreviations kept in capitals when a key becomes words.
ABBREVIATIONS = {"bsa": "BSA", "cns": "CNS", "cr2": "CR2", "wbc": "WBC", "anc": "ANC", "csf": "CSF", "hsct": "HSCT",
                 "m2": "M2", "m3": "M3", "rer": "RER", "ser": "SER"}


def _words(key: str) -> str:
    words = [ABBREVIATIONS.get(w, w) for w in key.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _in_sentence(words: str) -> str:
    """Words inside a sentence: the first lower-cased, unless it is an abbreviation (ANC, BSA)."""
    first = words.split(" ")[0]
    return words if first in ABBREVIATIONS.values() else words[:1].lower() + words[1:]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        return number_text(value)
    return str(value).replace("|", "\\|")


def _inline(value: Any) -> str | None:
    """A value that reads on one line, or None when it needs a nested list."""
    if isinstance(value, Mapping):
        keys = set(value)
        if keys == {"value", "unit"}:
            unit = value["unit"]
            return f"{_scalar(value['value'])}{unit}" if unit in ("%", "/uL") else f"{_scalar(value['value'])} {unit}"
        if keys == {"first", "last"}:
            return f"days {value['first']}-{value['last']}"
        if keys == {"min", "below"}:
            return f"{_scalar(value['min'])} to under {_scalar(value['below'])}"
        parts = {key: _inline(item) for key, item in value.items() if key != "cite"}
        if any(p is None or isinstance(value[k], list) for k, p in parts.items()):
            return None
        return ", ".join(f"{_in_sentence(_words(k))} {p}" for k, p in parts.items())
    if isinstance(value, list):
        if all(not isinstance(v, (Mapping, list)) for v in value):
            return ", ".join(_scalar(v) for v in value) if value else "none"
        parts = [_inline(v) for v in value]
        return None if any(p is None for p in parts) else "; ".join(parts)  # type: ignore[arg-type]
    return _scalar(value)


def _value_lines(value: Any, depth: int = 0) -> Iterator[str]:
    indent = "  " * depth
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "cite":
                continue
            line = _inline(item)
            if line is not None:
                yield f"{indent}- {_words(key)}: {line}"
            else:
                yield f"{indent}- {_words(key)}:"
                yield from _value_lines(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            line = _inline(item)
            if line is not None:
                yield f"{indent}- {line}"
            else:
                lines = list(_value_lines(item, depth + 1))
                yield f"{indent}- " + lines[0].strip().removeprefix("- ") if lines else f"{indent}-"
                yield from lines[1:]


def _cite_lines(cite: Mapping[str, Any] | None) -> Iterator[str]:
    if not cite:
        return
    yield f"- Source: the trial publication, {cite['section']}."
    if cite.get("quote"):
        yield f"- The paper: \"{cite['quote']}\""
    if cite.get("decision"):
        yield f"- **Decision:** {cite['decision']}"


def _block(title: str, block: Any) -> list[str]:
    """One rule or setting: its values, then where it comes from."""
    cite = block.get("cite") if isinstance(block, Mapping) else None
    return [f"### {title}", "", *_value_lines(block if isinstance(block, Mapping) else {"value": block}), *_cite_lines(cite), ""]


def _regimen(guideline: Guideline) -> list[str]:
    regimen, doc = guideline.regimen, guideline.document["regimen"]
    lines = ["## 2. Regimen", "", "| agent | dose | study days | source |", "|---|---|---|---|"]
    for agent, raw in zip(regimen.agents, doc["agents"]):
        cite = raw["cite"]
        where = f"{cite['section']}: \"{cite.get('quote', '')}\"" + (f" **Decision:** {cite['decision']}" if cite.get("decision") else "")
        lines.append(f"| {agent.title} | {text.dose_line(agent).removeprefix(agent.title + ' ')}, times the BSA | "
                     f"{text.study_days(agent.days, agent.daily is not None)} | {where} |")
    lines += ["", "### Intrathecal therapy by CNS status", ""]
    for r in regimen.intrathecal.regimens:
        lines.append(f"- CNS {r.cns_status}: {r.title}, {text.study_days(r.days)}; dose {regimen.intrathecal.dose_note}.")
    lines += [*_cite_lines(doc["intrathecal"]["regimens"][0]["cite"]), "", "### Marrow examinations", ""]
    for exam, raw in zip(regimen.marrow_exams, doc["marrow_exams"]):
        lines += [f"- Day {exam.day}: {text.marrow_condition(guideline, exam)}", *("  " + c for c in _cite_lines(raw["cite"]))]
    lines += ["", "### After day 28", "", f"- {' '.join(regimen.after_day28.split())}", *_cite_lines(doc["after_day28"]["cite"]), ""]
    return lines


def _withholding(guideline: Guideline) -> list[str]:
    raw = guideline.document["regimen"]["withholding"]
    return ["## 3. The idarubicin withholding rule", "", text.withholding(guideline),
            f"Thresholds are strict (a count equal to the threshold is not low); each day is decided on its own counts "
            f"(scope: {guideline.settings.withholding_scope}).", "", *_cite_lines(raw["cite"]), ""]


def _codes(guideline: Guideline) -> list[str]:
    terms = guideline.terminology
    systems = {uri: name for name, uri in terms.systems.items()}
    lines = ["## Codes the package reads", "",
             "Data are matched on system and code only (displays are informative). One ValueSet per concept:", "",
             "| value set | codes |", "|---|---|"]
    for vs in terms.value_sets:
        codes = ", ".join(f"{systems.get(c.system, c.system)} {c.code}" for c in vs.codes)
        lines.append(f"| {vs.title} (`{vs.id}`) | {codes} |")
    lines += ["", "The package's own CodeSystems:", ""]
    for cs in terms.code_systems:
        lines.append(f"- `{cs.url}` ({cs.title}): " + "; ".join(f"`{c.code}` {c.definition}" for c in cs.concepts))
    return [*lines, ""]


def render_rules(guideline: Guideline) -> str:
    """The whole page (Markdown)."""
    doc, p = guideline.document, guideline.package
    lines = [
        "# The clinical rules of the package", "",
        "Generated from `guideline/` by `call0603 build` (do not edit: change `guideline/` and rebuild). Every rule "
        "cites the section of the trial publication it comes from, with its words; where the paper is silent or "
        "ambiguous, **Decision** gives the default the package takes. The CQL Library is the one implementation "
        "of these rules; this page and the artifacts' texts are made from the same values.", "",
        f"Source: {' '.join(p.citation.split())} doi:{p.doi}", "",
        "## 1. Time frame and settings", "",
    ]
    for key, block in doc["settings"].items():
        lines += _block(_words(key), block)
    lines += _regimen(guideline) + _withholding(guideline)
    placed = {key for _, keys in ASSESSMENT_SECTIONS for key in keys}
    for title, keys in ASSESSMENT_SECTIONS:
        lines += [f"## {title}", ""]
        for key in keys:
            if key in doc["assessment"]:
                lines += _block(_words(key), doc["assessment"][key])
    others = [key for key in doc["assessment"] if key not in placed]
    if others:
        lines += ["## 9. Other rules", ""]
        for key in others:
            lines += _block(_words(key), doc["assessment"][key])
    lines += _codes(guideline)
    return "\n".join(lines).rstrip() + "\n"
