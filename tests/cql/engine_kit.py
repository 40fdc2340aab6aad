"""Test kit for the CQL engine: translate small CQL (with the package's FHIRHelpers) and build an Engine."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from call0603.cql import CompileOptions, Engine
from call0603.paths import REPO
from call0603.translator import translate

FHIRHELPERS = (REPO / "generator/call0603/authoring/cql/FHIRHelpers-4.0.1.cql").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _translated(sources: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Any], ...]:
    """ELM of every source (plus FHIRHelpers), translated in one batch; translator errors fail the test."""
    table = dict(sources)
    table.setdefault("FHIRHelpers", FHIRHELPERS)
    results = translate(table)
    problems = {n: [str(m) for m in r.errors] for n, r in results.items() if r.errors}
    assert not problems, problems
    return tuple((name, r.elm) for name, r in results.items())


def translate_all(sources: dict[str, str]) -> dict[str, dict[str, Any]]:
    """{library name: ELM} for the given CQL sources and FHIRHelpers."""
    return dict(_translated(tuple(sorted(sources.items()))))


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
