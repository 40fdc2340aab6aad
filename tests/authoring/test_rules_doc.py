"""docs/rules.md is made from the guideline: every setting and assessment rule with its values and citation,
and a setting added to guideline/ appears without a change to the generator."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from call0603.authoring.rules_doc import ASSESSMENT_SECTIONS, render_rules
from call0603.guideline import load_guideline


def test_every_setting_and_rule_is_on_the_page_with_its_citation() -> None:
    guideline = load_guideline()
    page = render_rules(guideline)
    for part in ("settings", "assessment"):
        for key, block in guideline.document[part].items():
            assert f"### {key.replace('_', ' ')[:1].upper()}" in page
            cite = block["cite"]
            if cite.get("decision"):
                assert cite["decision"] in page
            if cite.get("quote"):
                assert cite["quote"] in page
    assert "below 500/uL or the platelet count is below 50,000/uL" in page
    assert "- Day14: days 13-15" in page and "grade 4, below 25,000/uL" in page
    assert [line for line in page.splitlines() if line.startswith("## ")][3:3 + len(ASSESSMENT_SECTIONS)] == [
        f"## {title}" for title, _ in ASSESSMENT_SECTIONS]


def test_a_new_setting_and_a_new_rule_appear_by_themselves() -> None:
    guideline = load_guideline()
    document = dict(guideline.document)
    document["settings"] = {**document["settings"], "plausible_anc": {
        "max": {"value": 200000, "unit": "/uL"}, "cite": {"section": "Definitions", "decision": "Beyond any reported count."}}}
    document["assessment"] = {**document["assessment"], "fever": {"above": {"value": 38.5, "unit": "Cel"}, "cite": {"section": "Results"}}}
    page = render_rules(dataclasses.replace(guideline, document=MappingProxyType(document)))
    assert "### Plausible ANC\n\n- Max: 200,000/uL\n- Source: the trial publication, Definitions.\n- **Decision:** Beyond any reported count." in page
    assert "## 9. Other rules\n\n### Fever\n\n- Above: 38.5 Cel\n- Source: the trial publication, Results." in page
