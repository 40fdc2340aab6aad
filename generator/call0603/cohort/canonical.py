"""The package's canonical URLs (PlanDefinition, CodeSystems), read from the installed built package."""

from __future__ import annotations

import functools

from ..artifacts import load_package


@functools.lru_cache(maxsize=1)
def canonical_base() -> str:
    """The package's canonical base, as the built package's guideline states it."""
    return load_package().guideline.package.canonical.rstrip("/")


@functools.lru_cache(maxsize=1)
def plan_definition_url() -> str:
    """`PlanDefinition.url` of the built package's plan."""
    return load_package().guideline.package.plan_definition_url


def code_system_url(code_system_id: str) -> str:
    """The URL of one of the package's CodeSystems (`marrow-status`, `cytogenetics`, `findings`)."""
    return f"{canonical_base()}/CodeSystem/{code_system_id}"
