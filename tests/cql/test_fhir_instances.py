"""FHIR values built in CQL have the shape FHIR JSON has: a primitive is its JSON value, a structure a dict."""

from __future__ import annotations

from decimal import Decimal

from engine_kit import engine, library


def test_instances_of_fhir_types_are_fhir_json() -> None:
    body = """
context Patient
define Refs: ({ 'Observation/a', 'Observation/b' }) E return FHIR.Reference { reference: FHIR.string { value: E } }
define When: FHIR.dateTime { value: @2024-01-02T10:00:00Z }
define Text: (FHIR.string { value: 'x' }).value
define Amount: FHIR.Quantity { value: FHIR.decimal { value: 1.5 }, unit: FHIR.string { value: 'mg' } }
"""
    results = engine(library("Instances", body, fhir=True)).evaluate("Instances")
    assert results["Refs"] == [{"reference": "Observation/a"}, {"reference": "Observation/b"}]
    assert results["When"] == "2024-01-02T10:00:00+00:00"
    assert results["Text"] == "x"
    assert results["Amount"] == {"value": Decimal("1.5"), "unit": "mg"}
