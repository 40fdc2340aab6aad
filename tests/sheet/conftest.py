"""Fixtures of the sheet tests: the committed package compiled once, and the example patient's sheet."""

from __future__ import annotations

import pytest
from sheet_support import EXAMPLE, EXAMPLE_AS_OF

from call0603.evaluator.context import EvaluationContext, load_context
from call0603.evaluator.inputs import load_patient
from call0603.sheet.model import Sheet, sheet_for


@pytest.fixture(scope="session")
def context() -> EvaluationContext:
    """The committed package, compiled once."""
    return load_context()


@pytest.fixture(scope="session")
def example_sheet(context: EvaluationContext) -> Sheet:
    """The example patient's sheet on day 14."""
    return sheet_for(load_patient(EXAMPLE, None), start=None, as_of=EXAMPLE_AS_OF, context=context)
