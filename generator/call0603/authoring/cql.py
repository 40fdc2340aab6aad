"""Renders the package's CQL library from guideline/ with Jinja2 (templates/), and gathers the CQL sources to translate."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jinja2

from ..guideline.model import Agent, Amount, Guideline, decimal_text

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
MAIN_TEMPLATE = "Call0603.cql.j2"
COMMON_TEMPLATE = "Call0603Common.cql.j2"
#: The project's FHIRHelpers-compatible source: used to translate and test, never shipped in the package.
FHIRHELPERS_SOURCE = HERE / "cql" / "FHIRHelpers-4.0.1.cql"

#: Every unit a quantity result is converted to before comparison, with the CQL function that does it.
QUANTITY_UNITS: tuple[tuple[str, str], ...] = (
    ("/uL", "Value In /uL"),
    ("%", "Value In %"),
    ("g/dL", "Value In g/dL"),
    ("cm", "Value In cm"),
    ("kg", "Value In kg"),
)

#: The units the input contract names for its quantities; a Quantity whose unit text and code are two of these that
#: differ in size is a contradiction in the data.
INPUT_UNITS: tuple[str, ...] = (
    "/uL", "/mm3", "10*3/uL", "10*9/L", "10*6/L", "%", "g/dL", "g/L", "kg", "g", "[lb_av]", "cm", "m", "[in_i]", "m2",
)

#: The CQL type of one result as the rules read it (Common."Readings In ..."), and of a window's deciding results.
READING_TYPE = "Tuple { observation FHIR.Observation, why String }"
WINDOW_TYPE = f"List<{READING_TYPE}>"
UCUM = "http://unitsofmeasure.org"

#: BSA formulas (height in cm, weight in kg): Mosteller (N Engl J Med 1987;317:1098), DuBois (Arch Intern Med
#: 1916;17:863), Haycock (J Pediatr 1978;93:62). The guideline's `settings.bsa.formula` chooses one.
BSA_FORMULAS: dict[str, str] = {
    "mosteller": "Power({h} * {w} / 3600, 0.5)",
    "dubois": "0.007184 * Power({w}, 0.425) * Power({h}, 0.725)",
    "haycock": "0.024265 * Power({w}, 0.5378) * Power({h}, 0.3964)",
}


def _num(value: Decimal | int) -> str:
    return decimal_text(Decimal(value))


def _quantity(amount: Amount) -> str:
    return amount.cql()


def _strings(values: Iterable[str]) -> str:
    items = ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)
    return "{ " + items + " }"


def unit_function_name(unit: str) -> str:
    return dict(QUANTITY_UNITS)[unit]


def _day_list(agent: Agent) -> str:
    if agent.daily is not None:
        return f"{agent.daily.first}-{agent.daily.last} daily"
    return ", ".join(str(d) for d in agent.days)


def _site_title(site: str) -> str:
    return "CNS" if site == "cns" else site.replace("-", " ").title()


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return env


def render_cql(guideline: Guideline) -> str:
    """The CQL source of the package's main library, rendered from `guideline` (deterministic)."""
    return _render(guideline, MAIN_TEMPLATE)


def render_common_cql(guideline: Guideline) -> str:
    """The CQL source of the included library of FHIR data functions and per-day rules (deterministic)."""
    return _render(guideline, COMMON_TEMPLATE)


def _render(guideline: Guideline, template: str) -> str:
    terms = guideline.terminology

    def value_set_title(vs_id: str) -> str:
        return terms.value_set(vs_id).title

    def bsa_expression(height: str, weight: str) -> str:
        return BSA_FORMULAS[guideline.settings.bsa_formula].format(h=height, w=weight)

    context: dict[str, Any] = {
        "g": guideline,
        "pkg": guideline.package,
        "settings": guideline.settings,
        "regimen": guideline.regimen,
        "assessment": guideline.assessment,
        "terms": terms,
        "defines": guideline.package.defines,
        "quantity_units": QUANTITY_UNITS,
        "q": _quantity,
        "num": _num,
        "strings": _strings,
        "vs": value_set_title,
        "unit_name": unit_function_name,
        "day_list": _day_list,
        "site_title": _site_title,
        "bsa_expression": bsa_expression,
        "reading_type": READING_TYPE,
        "window_type": WINDOW_TYPE,
        "input_units": INPUT_UNITS,
        "ucum": UCUM,
    }
    text = _environment().get_template(template).render(context)
    return _tidy(text)


def _tidy(text: str) -> str:
    """Collapse runs of blank lines left by template blocks; end with one newline."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"


def fhirhelpers_source() -> str:
    """The project's FHIRHelpers 4.0.1-compatible CQL source."""
    return FHIRHELPERS_SOURCE.read_text(encoding="utf-8")


def library_sources(guideline: Guideline) -> dict[str, str]:
    """Every CQL source the package needs to translate, by library name: main, common and FHIRHelpers."""
    p = guideline.package
    return {
        p.library_name: render_cql(guideline),
        p.common_library_name: render_common_cql(guideline),
        "FHIRHelpers": fhirhelpers_source(),
    }


def plan_defines(guideline: Guideline) -> list[str]:
    """Every define the PlanDefinition and ActivityDefinitions may name (conditions and dynamic values)."""
    r = guideline.regimen
    names = [a.ordered_dose_define for a in r.agents]
    for e in r.withholding.decisions:
        names += [e.give_define, e.withhold_define, e.indeterminate_define, e.undecided_define, e.reason_define,
                  e.supporting_define, e.dose_define]
    names += [it.condition_define for it in r.intrathecal.regimens] + [r.intrathecal.undetermined_define, r.intrathecal.reason_define]
    names += [m.condition_define for m in r.marrow_exams if m.condition_define]
    names += [guideline.package.defines["bsa"], guideline.package.defines["eligible"]]
    return names
