"""The engine's public API: loading (errors name the node), includes, parameters, functions and overloads,
caching per evaluation, request time, messages, and the operators this part of the engine owns."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from call0603.cql import CqlRuntimeError, ElmLoadError, Engine, PatientData, Tuple
from call0603.cql.datatypes.datetime import Date, DateTime

from engine_kit import engine, translate_all

HELPER = """library Helper version '2.0.0'
parameter "Limit" Integer default 10
define "Ten": "Limit"
define function Twice(x Integer): x * 2
define function Twice(s String): s + s
define function Describe(x Integer, label String): label + ': ' + ToString(x)
"""

MAIN = """library Main version '1.0.0'
include Helper version '2.0.0' called H
parameter "Threshold" Integer default 3
parameter "Start" Date
define "Over": 5 > "Threshold"
define "Start Year": year from "Start"
define "From Helper": H."Ten" + 1
define "Twice Number": H.Twice(21)
define "Twice Text": H.Twice('ab')
define "Described": H.Describe(7, 'n')
define "Now": Now()
define "Today": Today()
define "Warn": Message(5, true, 'W1', 'Warning', 'just saying')
define "Fail": Message(5, true, 'E1', 'Error', 'stop here')
define "No Fail": Message(5, false, 'E1', 'Error', 'not raised')
define "Logic": { true and null, false and null, true or null, false or null, null implies false, not null, true xor null }
define "Coalesced": Coalesce(null, null, 3)
define "Case": case 2 when 1 then 'one' when 2 then 'two' else 'many' end
define "Conversions": { ToInteger('12'), ToInteger('12a'), ToInteger('2147483648') }
define "Booleans": { ToBoolean('Y'), ToBoolean('no'), ToBoolean('maybe') }
define "Decimal": ToDecimal('1.50')
define "Strict Cast": (5 as Any) as String
define "Is Checks": { 5 is Integer, 5 is Decimal, 'x' is String, null is Integer }
define "Index": IndexOf({'a', 'b', 'c'}, 'c')
define "Flat": Flatten({{1, 2}, {3}})
define "Single": singleton from {1, 2}
define "Equivalent Strings": 'Hello  World' ~ 'hello world'
define "Equal Strings": 'Hello' = 'hello'
define "Decimal Equivalence": 1.5 ~ 1.55
define "Tuple Equal": Tuple { a: 1, b: null } = Tuple { a: 1, b: null }
define "Tuple Unknown": Tuple { a: 1, b: 'x' } = Tuple { a: 1, b: null }
define "Same Object": "Flat"
define "Start Years": { year from "Start" }
define "Same Start Years": "Start Years"
define "Descendants": (null).descendents()
"""


@pytest.fixture(scope="module")
def elm() -> dict:
    return translate_all({"Helper": HELPER, "Main": MAIN})


def _engine(elm: dict, drop: tuple[str, ...] = ("Descendants",)) -> Engine:
    main = dict(elm["Main"])
    body = dict(main["library"])
    statements = [d for d in body["statements"]["def"] if d["name"] not in drop]
    main["library"] = {**body, "statements": {"def": statements}}
    return Engine([elm["Helper"], main])


NOW = DateTime.parse("2024-02-29T23:30:00.000-05:00")


def test_a_node_without_implementation_is_a_load_error_naming_it(elm: dict) -> None:
    main = copy.deepcopy(elm["Main"])
    (node,) = [d["expression"] for d in main["library"]["statements"]["def"] if d["name"] == "Descendants"]
    node["type"] = "Subsumes"  # an ELM operator this engine has no terminology service for
    with pytest.raises(ElmLoadError) as failure:
        Engine([elm["Helper"], main])
    message = str(failure.value)
    assert "Subsumes" in message and "Main|1.0.0" in message
    assert failure.value.locator is not None and failure.value.locator.startswith(str(MAIN.count("\n", 0, MAIN.index('define "Descendants"')) + 1))


def test_a_missing_include_is_a_load_error(elm: dict) -> None:
    with pytest.raises(ElmLoadError, match="Helper"):
        Engine([elm["Main"]])


def test_parameters_default_supplied_and_unknown(elm: dict) -> None:
    eng = _engine(elm)
    assert eng.evaluate("Main", expressions=["Over", "Start Year"]) == {"Over": True, "Start Year": None}
    assert eng.evaluate("Main", parameters={"Threshold": 5, "Start": Date(2024, 1, 8)},
                        expressions=["Over", "Start Year"]) == {"Over": False, "Start Year": 2024}
    with pytest.raises(CqlRuntimeError, match="Treshold"):
        eng.evaluate("Main", parameters={"Treshold": 5})


def test_included_library_definitions_and_overloaded_functions(elm: dict) -> None:
    result = _engine(elm).evaluate("Main", expressions=["From Helper", "Twice Number", "Twice Text", "Described"])
    assert result == {"From Helper": 11, "Twice Number": 42, "Twice Text": "abab", "Described": "n: 7"}
    assert _engine(elm).call("Helper", "Describe", 3, "k") == "k: 3"


def test_request_time_never_the_clock(elm: dict) -> None:
    eng = _engine(elm)
    result = eng.evaluate("Main", now=NOW, expressions=["Now", "Today"])
    assert result["Now"] is NOW or result["Now"].cql_equal(NOW) is True
    assert result["Today"] == Date(2024, 2, 29)
    with pytest.raises(CqlRuntimeError, match="now"):
        eng.evaluate("Main", expressions=["Now"])


def test_messages(elm: dict) -> None:
    eng = _engine(elm)
    assert eng.evaluate("Main", expressions=["Warn", "No Fail"]) == {"Warn": 5, "No Fail": 5}
    with pytest.raises(CqlRuntimeError, match="stop here") as failure:
        eng.evaluate("Main", expressions=["Fail"])
    assert failure.value.code == "E1"


def test_three_valued_logic_and_nullological(elm: dict) -> None:
    result = _engine(elm).evaluate("Main", expressions=["Logic", "Coalesced", "Case"])
    assert result["Logic"] == [None, False, True, None, None, None, None]
    assert result["Coalesced"] == 3
    assert result["Case"] == "two"


def test_type_conversions_and_tests(elm: dict) -> None:
    result = _engine(elm).evaluate("Main", expressions=["Conversions", "Booleans", "Decimal", "Strict Cast", "Is Checks"])
    assert result["Conversions"] == [12, None, None]
    assert result["Booleans"] == [True, False, None]
    assert result["Decimal"] == Decimal("1.50")
    assert result["Strict Cast"] is None
    assert result["Is Checks"] == [True, False, True, False]


def test_list_operators(elm: dict) -> None:
    eng = _engine(elm)
    assert eng.evaluate("Main", expressions=["Index", "Flat"]) == {"Index": 2, "Flat": [1, 2, 3]}
    with pytest.raises(CqlRuntimeError, match="singleton"):
        eng.evaluate("Main", expressions=["Single"])


def test_equality_and_equivalence(elm: dict) -> None:
    result = _engine(elm).evaluate("Main", expressions=[
        "Equivalent Strings", "Equal Strings", "Decimal Equivalence", "Tuple Equal", "Tuple Unknown"])
    assert result == {"Equivalent Strings": True, "Equal Strings": False, "Decimal Equivalence": False,
                      "Tuple Equal": True, "Tuple Unknown": None}


def test_definitions_are_cached_per_evaluation_only(elm: dict) -> None:
    eng = _engine(elm)
    first = eng.evaluate("Main", parameters={"Start": Date(2024, 1, 8)}, expressions=["Start Years", "Same Start Years"])
    assert first["Start Years"] == [2024] and first["Start Years"] is first["Same Start Years"]
    second = eng.evaluate("Main", parameters={"Start": Date(2025, 1, 8)}, expressions=["Start Years"])
    assert second["Start Years"] == [2025] and first["Start Years"] == [2024]


def test_constant_definitions_are_computed_once_when_compiled(elm: dict) -> None:
    eng = _engine(elm)
    first, second = (eng.evaluate("Main", expressions=["Flat"])["Flat"] for _ in range(2))
    assert first == [1, 2, 3] and first is second


PATIENT_CQL = {"Ages": """library Ages version '1.0.0'
using FHIR version '4.0.1'
include FHIRHelpers version '4.0.1'
context Patient
define "Age": AgeInYears()
define "Age In Months": AgeInMonthsAt(@2024-03-04)
define "Age At": AgeInYearsAt(@2024-03-03)
define "Birthday Tuple": Tuple { born: Patient.birthDate.value }
"""}


@pytest.mark.parametrize(("birth", "age", "months", "at"), [
    ("2012-03-04", 11, 144, 11),   # the day before the 12th birthday (now is 2024-02-29)
    ("2012-02-29", 12, 144, 12),   # a leap-day birthday reached on the leap day
    ("2012-03-03", 11, 144, 12),   # birthday on the as-of date counts
])
def test_age_at_every_boundary(birth: str, age: int, months: int, at: int) -> None:
    data = PatientData.from_resources([{"resourceType": "Patient", "id": "p", "birthDate": birth}])
    result = engine(PATIENT_CQL).evaluate("Ages", data=data, now=NOW)
    assert (result["Age"], result["Age In Months"], result["Age At"]) == (age, months, at)
    assert result["Birthday Tuple"] == Tuple(born=Date(*map(int, birth.split("-"))))


def test_age_without_birth_date_is_null() -> None:
    data = PatientData.from_resources([{"resourceType": "Patient", "id": "p"}])
    assert engine(PATIENT_CQL).evaluate("Ages", data=data, now=NOW, expressions=["Age"]) == {"Age": None}
