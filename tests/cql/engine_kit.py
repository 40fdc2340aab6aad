"""Test kit for the CQL engine: translate small CQL (with the package's FHIRHelpers) and build an Engine.

Every test that uses the kit runs twice (tests/cql/conftest.py): on ELM with result types (the package's
translator options) and on ELM without them (the CQL IG's recommended options, as published Libraries ship it),
where the engine resolves types itself from the model info and the operator signatures.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from call0603.cql import CompileOptions, Engine
from call0603.paths import REPO
from call0603.translator import PACKAGE_OPTIONS, translate

#: The two ELM flavours: translator options with and without result types.
FLAVOURS = {"result-types": PACKAGE_OPTIONS,
            "no-result-types": tuple(o for o in PACKAGE_OPTIONS if o != "EnableResultTypes")}
#: The flavour the current test runs with (set by the conftest fixture).
flavour = "result-types"

FHIRHELPERS = (REPO / "generator/call0603/authoring/cql/FHIRHelpers-4.0.1.cql").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _translated(sources: tuple[tuple[str, str], ...], options: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """ELM of every source (plus FHIRHelpers), translated in one batch; translator errors fail the test."""
    table = dict(sources)
    table.setdefault("FHIRHelpers", FHIRHELPERS)
    results = translate(table, options=options)
    problems = {n: [str(m) for m in r.errors] for n, r in results.items() if r.errors}
    assert not problems, problems
    return tuple((name, r.elm) for name, r in results.items())


def translate_all(sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """{library name: ELM} for the given CQL sources and FHIRHelpers."""
    return dict(_translated(tuple(sorted(sources.items())), FLAVOURS[flavour]))


def engine(sources: dict[str, str], *, native_fhirhelpers: bool = True) -> Engine:
    """An Engine over the translated sources."""
    elm = translate_all(sources)
    return Engine(elm.values(), options=CompileOptions(native_fhirhelpers=native_fhirhelpers))


def library(name: str, body: str, *, fhir: bool = False) -> dict[str, str]:
    """A one-library source table: header (with FHIR and FHIRHelpers when asked), then the body."""
    header = f"library {name} version '1.0.0'\n"
    if fhir:
        header += "using FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1'\n"
    return {name: header + body}
