"""Numbers in words and the `{name}` placeholders of free text: filled from the values, refused when unknown, and
the guideline document round-trips through the JSON a built package carries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import Edit

from call0603.guideline import GuidelineError, load_document, load_guideline
from call0603.guideline.document import document_json, guideline_from_json
from call0603.guideline.model import Amount
from call0603.guideline.words import amount_text, fill, number_text, placeholders


@pytest.mark.parametrize(("value", "words"), [
    (Decimal("50000"), "50,000"), (Decimal("1.50"), "1.5"), (Decimal("0.10"), "0.1"), (500, "500"), (Decimal("8.0"), "8"),
    (Decimal("1234567.25"), "1,234,567.25"),
])
def test_number_text(value: Decimal, words: str) -> None:
    assert number_text(value) == words


def test_amount_text_attaches_only_counts_and_percent() -> None:
    assert amount_text(Amount(Decimal("50000"), "/uL")) == "50,000/uL"
    assert amount_text(Amount(Decimal("5"), "%")) == "5%"
    assert amount_text(Amount(Decimal("7.5"), "g/dL")) == "7.5 g/dL"


def test_fill_and_placeholders() -> None:
    assert placeholders("below {anc_below} or {platelets_below}") == ["anc_below", "platelets_below"]
    assert fill("below {anc_below}.", {"anc_below": "500/uL"}) == "below 500/uL."
    with pytest.raises(KeyError):
        fill("{nothing}", {})


def test_an_edited_threshold_shows_in_the_texts_that_name_it(edit: Edit) -> None:
    folder = edit("assessment.yaml", "m2_from: {value: 5, unit: \"%\"}", "m2_from: {value: 4, unit: \"%\"}")
    definitions = {c.code: c.definition for c in load_guideline(folder).terminology.code_system("marrow-status").concepts}
    assert definitions["M1"] == "Fewer than 4% lymphoblasts."
    assert definitions["M2"] == "4% to 25% lymphoblasts (both ends included)."


def test_an_unknown_placeholder_is_refused_with_its_path(edit: Edit) -> None:
    folder = edit("package.yaml", "{age_min}", "{age_minimum}")
    with pytest.raises(GuidelineError) as error:
        load_guideline(folder)
    (problem,) = error.value.problems
    assert problem.file.name == "package.yaml" and problem.path == ("description",) and problem.line is not None
    assert "{age_minimum} names no guideline value" in problem.message


def test_the_document_round_trips_through_package_json_exactly() -> None:
    document = load_document()
    data = document_json(document)
    assert b"1.5" in data and b'"\\u0000' not in data
    assert guideline_from_json(data) == load_guideline()
    assert document_json(guideline_from_json(data).document) == data
