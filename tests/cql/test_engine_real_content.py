"""Defects real content (eCQMs, WHO DAK and CPG libraries) exposes: retrieves on choice elements, parameters of
included libraries, namespaced include paths, FHIR instances with choice elements, an invalid interval confined to
its define, and FHIR types resolved when the ELM carries no result types. Every test runs on both ELM flavours."""

from __future__ import annotations

import copy

import pytest

from call0603.cql import Engine, PatientData, Terminology
from call0603.cql.datatypes.datetime import Date, DateTime
from call0603.cql.datatypes.interval import Interval
from call0603.cql.runtime.errors import CqlRuntimeError
from engine_kit import engine, library, translate_all

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
STATINS = "http://example.org/ValueSet/statins"
NOW = DateTime.parse("2024-06-30T12:00:00Z", None)


def _terminology() -> Terminology:
    return Terminology.from_resources([{"resourceType": "ValueSet", "url": STATINS, "expansion": {"contains": [
        {"system": RXNORM, "code": "617312"}]}}])


def _medication(rid: str, **element: object) -> dict:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
            "subject": {"reference": "Patient/p"}, **element}


DATA = PatientData.from_resources([
    {"resourceType": "Patient", "id": "p", "birthDate": "2010-07-01", "gender": "female"},
    _medication("statin", medicationCodeableConcept={"coding": [{"system": RXNORM, "code": "617312"}]}),
    _medication("other", medicationCodeableConcept={"coding": [{"system": RXNORM, "code": "1"}]}),
    _medication("by-reference", medicationReference={"reference": "Medication/m"}),
])

CHOICE_RETRIEVE = """
codesystem "RxNorm": 'http://www.nlm.nih.gov/research/umls/rxnorm'
valueset "Statins": 'http://example.org/ValueSet/statins'
code "Atorvastatin": '617312' from "RxNorm"
context Patient
define "By Value Set": [MedicationRequest: "Statins"] M return M.id.value
define "By Code": [MedicationRequest: "Atorvastatin"] M return M.id.value
define "By Where": [MedicationRequest] M where M.medication in "Statins" return M.id.value
"""


def test_a_retrieve_by_code_or_value_set_reads_the_choice_element_of_the_code_path() -> None:
    found = engine(library("ChoiceRetrieve", CHOICE_RETRIEVE, fhir=True)).evaluate(
        "ChoiceRetrieve", data=DATA, terminology=_terminology(), now=NOW)
    assert found["By Value Set"] == ["statin"]
    assert found["By Code"] == ["statin"]
    assert found["By Where"] == ["statin"]


SHARED = """
parameter "Measurement Period" Interval<DateTime> default Interval[@2020-01-01T00:00:00.0, @2021-01-01T00:00:00.0)
parameter "Threshold" Integer default 5
define "Period Start": start of "Measurement Period"
define "Shared Threshold": "Threshold"
"""
MAIN = """
include Shared version '1.0.0' called S
parameter "Threshold" Integer default 1
define "Start Seen By Main": S."Period Start"
define "Main Threshold": "Threshold"
define "Included Threshold": S."Shared Threshold"
"""


def _two_libraries() -> Engine:
    return engine({**library("Shared", SHARED), **library("Main", MAIN)})


def test_a_parameter_reaches_every_library_that_declares_it() -> None:
    eng = _two_libraries()
    start = DateTime.parse("2024-01-01T00:00:00.0Z", None)
    window = eng.evaluate("Main", parameters={"Measurement Period": None}, now=NOW)
    assert window["Start Seen By Main"] is None
    given = Interval(start, DateTime.parse("2025-01-01T00:00:00.0Z", None), True, False)
    found = eng.evaluate("Main", parameters={"Measurement Period": given, "Threshold": 9}, now=NOW)
    assert found["Start Seen By Main"] == start
    assert (found["Main Threshold"], found["Included Threshold"]) == (9, 9)
    defaults = eng.evaluate("Main", now=NOW)
    assert (defaults["Main Threshold"], defaults["Included Threshold"]) == (1, 5)


def test_a_parameter_no_library_declares_is_refused() -> None:
    with pytest.raises(CqlRuntimeError, match="Nowhere"):
        _two_libraries().evaluate("Main", parameters={"Nowhere": 1}, now=NOW)


@pytest.mark.parametrize("path", ["http://ecqi.healthit.gov/ecqms/Shared", "urn:example/Shared"])
def test_an_include_path_with_a_namespace_names_the_library_by_its_last_segment(path: str) -> None:
    elm = copy.deepcopy(translate_all({**library("Shared", SHARED), **library("Main", MAIN)}))
    for include in elm["Main"]["library"]["includes"]["def"]:
        if include["path"] == "Shared":
            include["path"] = path
    assert Engine(elm.values()).evaluate("Main", now=NOW)["Included Threshold"] == 5


INSTANCES = """
codesystem "RxNorm": 'http://www.nlm.nih.gov/research/umls/rxnorm'
code "Atorvastatin": '617312' from "RxNorm"
context Patient
define "Built From Data": MedicationRequest { medication: First([MedicationRequest] M where M.id = 'statin').medication }
define "Built From Concept": MedicationRequest { medication: FHIR.CodeableConcept { coding: { FHIR.Coding {
    system: FHIR.uri { value: 'http://www.nlm.nih.gov/research/umls/rxnorm' }, code: FHIR.code { value: '617312' } } } } }
define "Read Back": "Built From Concept".medication as FHIR.CodeableConcept
define "Read Back Code": ("Read Back".coding[0]).code.value
"""


def test_an_instance_stores_a_choice_element_under_the_key_of_its_type_and_reads_it_back() -> None:
    found = engine(library("Instances", INSTANCES, fhir=True)).evaluate("Instances", data=DATA, now=NOW)
    assert "medicationCodeableConcept" in found["Built From Data"]
    assert "medication" not in found["Built From Data"]
    assert set(found["Built From Concept"]) == {"resourceType", "medicationCodeableConcept"}
    assert found["Read Back Code"] == "617312"


INVALID = """
define "Abatement Equals Onset": Interval[@2024-01-01T00:00:00.0Z, @2024-01-01T00:00:00.0Z)
define "Other": 1 + 1
"""


def test_an_invalid_interval_is_an_error_of_its_own_define_only() -> None:
    eng = engine(library("Invalid", INVALID))
    with pytest.raises(CqlRuntimeError, match="invalid interval"):
        eng.evaluate("Invalid", now=NOW)
    errors: dict[str, str] = {}
    found = eng.evaluate("Invalid", now=NOW, errors=errors)
    assert found == {"Other": 2}
    assert "invalid interval" in errors["Abatement Equals Onset"]


UNTYPED = """
context Patient
define "Age": AgeInYears()
define "Age At": AgeInYearsAt(@2020-07-01)
define "Birth Date": Patient.birthDate.value
define "Gender": Patient.gender.value
define "Gender Text": Patient.gender
define "Statin Ids": [MedicationRequest] M where M.medication is FHIR.CodeableConcept return M.id.value
"""


def test_fhir_primitives_and_patient_age_resolve_without_result_types() -> None:
    found = engine(library("Untyped", UNTYPED, fhir=True)).evaluate("Untyped", data=DATA, now=NOW)
    assert found["Age"] == 13
    assert found["Age At"] == 10
    assert found["Birth Date"] == Date.parse("2010-07-01")
    assert found["Gender"] == "female"
    assert found["Statin Ids"] == ["statin", "other"]


PERIODS = """
context Patient
define "Period": FHIRHelpers.ToInterval(FHIR.Period { start: FHIR.dateTime { value: @2024-01-01T00:00:00.0Z } })
define "Range": FHIRHelpers.ToInterval(FHIR.Range { low: FHIR.SimpleQuantity { value: FHIR.decimal { value: 1.0 } } })
"""


def test_an_overloaded_fhirhelpers_function_is_chosen_by_its_argument_type() -> None:
    found = engine(library("Periods", PERIODS, fhir=True)).evaluate("Periods", data=DATA, now=NOW)
    assert found["Period"].low == DateTime.parse("2024-01-01T00:00:00.0Z", None)
    assert found["Range"].low is not None and found["Range"].high is None
