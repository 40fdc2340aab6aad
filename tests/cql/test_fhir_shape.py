"""FHIR JSON whose shape is not FHIR's is read as absent (shape.py), and no FHIR decimal is NaN or infinite: the
engine never meets a value it cannot handle, and a resource that conforms is never copied."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from call0603.cql import PatientData
from call0603.cql.datatypes.decimal import clamp_decimal
from call0603.cql.fhir.model import to_decimal
from call0603.cql.fhir.shape import conform_resource

ANC = {
    "resourceType": "Observation", "id": "anc", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "751-8"}], "text": "ANC"},
    "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2024-03-18",
    "valueQuantity": {"value": 0.38, "unit": "10*3/uL", "system": "http://unitsofmeasure.org", "code": "10*3/uL"},
    "category": [{"coding": [{"code": "laboratory"}]}],
}


def test_a_conforming_resource_is_not_copied() -> None:
    assert conform_resource(ANC) is ANC


MISSHAPEN = {
    "a list element given one value": (lambda r: r["code"].update(coding=1), lambda r: "coding" not in r["code"]),
    "one value given as a list": (lambda r: r.update(code=[r["code"]]), lambda r: "code" not in r),
    "an object given as text": (lambda r: r.update(valueQuantity="0.38 10*3/uL"), lambda r: "valueQuantity" not in r),
    "a primitive given as an object": (lambda r: r.update(status={"code": "final"}), lambda r: "status" not in r),
    "a primitive given as a list": (lambda r: r["valueQuantity"].update(code=["10*3/uL"]),
                                    lambda r: "code" not in r["valueQuantity"] and r["valueQuantity"]["value"] == 0.38),
}


@pytest.mark.parametrize("case", MISSHAPEN)
def test_a_misshapen_element_is_left_out_of_a_copy(case: str) -> None:
    spoil, gone = MISSHAPEN[case]
    resource = copy.deepcopy(ANC)
    spoil(resource)
    before = copy.deepcopy(resource)
    read = conform_resource(resource)
    assert resource == before  # the input is never changed
    assert gone(read)
    assert read["subject"] == {"reference": "Patient/p"} and read["id"] == "anc"


def test_misshapen_items_of_a_list_are_dropped_and_the_rest_kept() -> None:
    resource = copy.deepcopy(ANC)
    resource["code"]["coding"] = [None, 7, "751-8", {"system": "http://loinc.org", "code": "751-8"}]
    assert conform_resource(resource)["code"]["coding"] == [{"system": "http://loinc.org", "code": "751-8"}]


def test_a_primitive_of_the_wrong_json_type_keeps_its_place_for_its_reader() -> None:
    resource = copy.deepcopy(ANC)
    resource["effectiveDateTime"] = 20240318
    resource["valueQuantity"]["value"] = "12"
    assert conform_resource(resource) is resource


def test_patient_data_reads_the_conformed_resource() -> None:
    resource = copy.deepcopy(ANC)
    resource["code"]["coding"] = 1
    data = PatientData.from_resources([{"resourceType": "Patient", "id": "p"}, resource])
    (observation,) = data.of_type("Observation")
    assert "coding" not in observation["code"]
    assert data.coded("Observation", "code") == [(observation, frozenset())]


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_no_fhir_decimal_is_nan_or_infinite(text: str) -> None:
    assert to_decimal(text) is None
    assert to_decimal(Decimal(text)) is None
    assert clamp_decimal(Decimal(text)) is None


def test_finite_decimals_are_read_exactly() -> None:
    assert to_decimal("0.49999999999999999") == Decimal("0.49999999999999999")
    assert to_decimal(Decimal("12.5")) == Decimal("12.5")
    assert to_decimal(float("inf")) is None
