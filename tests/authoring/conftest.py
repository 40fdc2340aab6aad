"""Fixtures of the build tests: the built package (once per session); the FHIR server is in tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def built_package():  # noqa: ANN201 - a BuiltPackage
    """The package built from the repository's guideline/ (in memory)."""
    from call0603.authoring import build_package
    from call0603.guideline import load_guideline

    return build_package(load_guideline())
