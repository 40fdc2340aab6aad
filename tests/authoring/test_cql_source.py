"""The package CQL: rendered from guideline/ only, translated cleanly by the reference translator, every define present."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from call0603 import paths
from call0603.authoring import library as library_module
from call0603.authoring.cql import TEMPLATES, library_sources, plan_defines, render_common_cql, render_cql
from call0603.guideline.report import report_defines
from call0603.authoring.library import CqlBuildError, compile_libraries, compile_library
from call0603.authoring.elm import walk_nodes
from call0603.guideline import load_guideline
from call0603.translator import translate


@pytest.fixture(scope="module")
def guideline():  # noqa: ANN201 - the typed Guideline
    return load_guideline()


@pytest.fixture(scope="module")
def compiled(guideline):  # noqa: ANN001, ANN201
    return compile_library(guideline)


@pytest.fixture(scope="module")
def common(guideline):  # noqa: ANN001, ANN201
    return compile_libraries(guideline)[1]


def _defines(elm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in elm["library"]["statements"]["def"]}


def _quantities(node: Any) -> set[tuple[Decimal, str]]:
    return {(Decimal(str(n["value"])), n["unit"]) for n in walk_nodes(node) if n.get("type") == "Quantity" and "unit" in n}


def test_translates_with_no_error_and_no_warning(compiled, common) -> None:  # noqa: ANN001
    assert compiled.elm["library"]["identifier"] == {"id": "CALL0603Reinduction", "version": "1.0.0"}
    assert common.elm["library"]["identifier"] == {"id": "CALL0603ReinductionCommon", "version": "1.0.0"}
    assert compiled.cql.startswith("/*")
    assert "library CALL0603Reinduction version '1.0.0'" in compiled.cql
    assert "include FHIRHelpers version '4.0.1' called FHIRHelpers" in compiled.cql
    assert "include CALL0603ReinductionCommon version '1.0.0' called Common" in compiled.cql
    assert "include FHIRHelpers version '4.0.1' called FHIRHelpers" in common.cql


def test_the_common_library_has_no_parameters_no_retrieves_and_only_functions(common) -> None:  # noqa: ANN001
    library = common.elm["library"]
    assert "parameters" not in library or not library["parameters"].get("def")
    assert all(d["type"] == "FunctionDef" for d in library["statements"]["def"])
    assert not [n for n in walk_nodes(library["statements"]) if n.get("type") == "Retrieve"]


def test_every_report_field_and_plan_define_exists(guideline, compiled) -> None:  # noqa: ANN001
    defs = _defines(compiled.elm)
    wanted = [*report_defines(guideline).values(), *plan_defines(guideline)]
    assert len(wanted) == 58
    assert [w for w in wanted if w not in defs] == []
    for name in report_defines(guideline).values():
        assert defs[name].get("context", "Patient") == "Patient"


def test_decisions_are_tuples_and_conditions_are_booleans(guideline, compiled) -> None:  # noqa: ANN001
    defs = _defines(compiled.elm)
    for field, name in report_defines(guideline).items():
        if field in ("start", "asOf", "studyDay"):
            continue
        spec = defs[name]["resultTypeSpecifier"]
        assert spec["type"] == "TupleTypeSpecifier", name
        elements = {e["name"] for e in spec["element"]}
        assert ("value" in elements) or field == "toxicity", name
    for name in plan_defines(guideline):
        if name.endswith("Dose") or name == "BSA":
            continue
        if name.endswith("Supporting Information"):
            spec = defs[name]["resultTypeSpecifier"]
            assert (spec["type"], spec["elementType"]["name"]) == ("ListTypeSpecifier", "{http://hl7.org/fhir}Reference"), name
            continue
        wanted_type = "String" if name.endswith("Reason") else "Boolean"
        assert defs[name]["resultTypeName"] == f"{{urn:hl7-org:elm-types:r1}}{wanted_type}", name


def test_parameters_have_null_defaults(compiled) -> None:  # noqa: ANN001
    params = {p["name"]: p for p in compiled.elm["library"]["parameters"]["def"]}
    assert set(params) == {"start", "asOf"}
    for p in params.values():
        assert p["default"]["type"] in ("Null", "As")


def test_render_is_deterministic(guideline) -> None:  # noqa: ANN001
    for render in (render_cql, render_common_cql):
        assert render(guideline) == render(guideline)
        assert render(guideline).endswith("\n") and "\n\n\n" not in render(guideline)


def test_thresholds_reach_the_elm(compiled, common) -> None:  # noqa: ANN001
    functions = _defines(common.elm)
    assert _quantities(functions["Counts Low"]) == {(Decimal(500), "/uL"), (Decimal(50000), "/uL")}
    main = _defines(compiled.elm)
    assert _quantities(main["CR2 ANC Low"]) | _quantities(main["CR2 Platelets Low"]) == {(Decimal(750), "/uL"), (Decimal(75000), "/uL")}
    assert _quantities(functions["Marrow Bands"]) == {(Decimal(5), "%"), (Decimal(25), "%")}
    assert _quantities(functions["Neutropenia Grade Of"]) == {(Decimal(500), "/uL"), (Decimal(1000), "/uL"), (Decimal(1500), "/uL")}
    assert _quantities(functions["Anemia Grade Of"]) == {(Decimal("8.0"), "g/dL"), (Decimal("10.0"), "g/dL")}


def test_a_changed_threshold_is_found_in_the_regenerated_cql_and_elm(tmp_path: Path) -> None:
    folder = tmp_path / "guideline"
    shutil.copytree(paths.GUIDELINE, folder)
    regimen = folder / "regimen.yaml"
    regimen.write_text(regimen.read_text().replace("anc_below: {value: 500, unit: /uL}", "anc_below: {value: 750.5, unit: /uL}"))
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text().replace("  day14: {first: 13, last: 15}", "  day14: {first: 12, last: 16}"))
    changed, changed_common = compile_libraries(load_guideline(folder))
    assert "\"Window Below\"(ancWindow, 750.5 '/uL')" in changed_common.cql
    assert "< 500 '/uL'" not in changed_common.cql.split('define function "Counts Low"')[1].split("define")[0]
    counts_low = _defines(changed_common.elm)["Counts Low"]
    assert (Decimal("750.5"), "/uL") in _quantities(counts_low)
    assert (Decimal(500), "/uL") not in _quantities(counts_low)
    assert '"Day 0" + 12 days, "Day 0" + 16 days' in changed.cql
    window = _defines(changed.elm)["Marrow Day 14 Window"]
    assert {n["value"] for n in walk_nodes(window) if n.get("type") == "Quantity"} == {12, 16}


def test_settings_switch_the_rendered_rules(tmp_path: Path) -> None:
    folder = tmp_path / "guideline"
    shutil.copytree(paths.GUIDELINE, folder)
    settings = folder / "settings.yaml"
    text = settings.read_text()
    text = text.replace("  value: per-dose\n", "  value: discontinue\n").replace("  formula: mosteller\n", "  formula: dubois\n")
    text = text.replace("dose_caps:\n  enabled: false", "dose_caps:\n  enabled: true")
    settings.write_text(text)
    cql = render_cql(load_guideline(folder))
    day21 = cql.split('define "Idarubicin Day 21 Outcomes"')[1].split("define")[0]
    assert "if \"Idarubicin Day 14 Decision\".value = 'withhold' then 14 else null" in day21
    assert "then 14 else null" not in cql.split('define "Idarubicin Day 14 Outcomes"')[1].split("define")[0]
    assert "0.007184 * Power(" in cql
    assert "Min({ Round(1.5 * \"BSA\", 2), 2 })" in cql
    assert "Min({" not in cql.split('define "Idarubicin Ordered Dose"')[1].split("define")[0]


TEMPLATE_NUMBER = re.compile(r"(?<![\w.\"'])\d+(\.\d+)?(?![\w.])")


def _code_of(template: str) -> str:
    text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", template, flags=re.S)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", " ", text)
    return text


#: The template of number and calendar arithmetic (digits in groups of three, hundredths, months of a year): its
#: literals are how numbers and dates are written, never a clinical value, and it may name no guideline value.
FORMATS = TEMPLATES / "common" / "formats.cql.j2"


def test_templates_hold_no_clinical_number() -> None:
    """Every number comes from guideline/: the only literals left in the CQL code are 0 (absent/none) and 1 (CTCAE grade 1)."""
    found = {}
    assert "{{" not in FORMATS.read_text() and "{%" not in FORMATS.read_text()
    for path in sorted(p for p in TEMPLATES.rglob("*.j2") if p != FORMATS):
        numbers = {m.group(0) for m in TEMPLATE_NUMBER.finditer(_code_of(path.read_text()))}
        if numbers - {"0", "1"}:
            found[path.name] = sorted(numbers - {"0", "1"})
    assert found == {}


def test_a_translator_warning_fails_the_build_with_its_line(guideline, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    def with_warning(g):  # noqa: ANN001, ANN202
        sources = library_sources(g)
        sources[g.package.library_name] += '\ndefine "Shadow": [Condition] C where exists ([Observation] C)\n'
        return sources

    monkeypatch.setattr(library_module, "library_sources", with_warning)
    with pytest.raises(CqlBuildError) as caught:
        compile_library(guideline)
    text = str(caught.value)
    assert "0 error(s) and 1 warning(s)" in text
    assert "hiding another identifier" in text
    assert 'define "Shadow"' in text and re.search(r"\n\s+\d+ \| define \"Shadow\"", text)


def test_fhirhelpers_defines_every_conversion_the_model_info_names() -> None:
    model_info = (paths.TOOLS / "node_modules/cql-exec-fhir/lib/modelInfos/fhir-modelinfo-4.0.1.xml").read_text()
    conversions = set(re.findall(r'functionName="FHIRHelpers\.(\w+)" fromType="FHIR\.(\w+)"', model_info))
    source = library_sources(load_guideline())["FHIRHelpers"]
    declared = set(re.findall(r"define function (\w+)\(\w+ FHIR\.(\w+)\)", source))
    assert len(conversions) == 264
    assert conversions - declared == set()
    assert "library FHIRHelpers version '4.0.1'" in source
    fhirhelpers = translate({"FHIRHelpers": source})["FHIRHelpers"]
    assert fhirhelpers.clean
