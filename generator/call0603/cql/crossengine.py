"""Runs the same ELM over the same bundles in this engine and in cql-execution 3.3.2, and compares every value.

Both engines' results are brought to one tagged JSON form (the one `tools/cql-execution.mjs` writes), so a
Decimal never passes for an Integer and a DateTime keeps its precision and offset. Values are compared
exactly; three representation details are made uniform, none of them a value: a JS number whose static type is
unknown ("Number") matches an Integer or Decimal of the same value, a FHIR primitive is its JSON value (this
engine) or a wrapped element (cql-execution), and a dimensionless Quantity's unit is '' or '1'.
Where cql-execution departs from the CQL specification, the difference is listed in KNOWN_DIVERGENCES by
library, definition and patient with its reason; a divergence that no longer happens is reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import node

ANY = "*"
FHIRHELPERS = Path(__file__).resolve().parents[1] / "authoring" / "cql" / "FHIRHelpers-4.0.1.cql"

#: Tagged number forms: this engine writes Integer/Long/Decimal; cql-execution writes Number when its static
#: type is unknown (a JS number does not say).
_NUMBERS = ("Integer", "Long", "Decimal", "Number")


@dataclass(frozen=True)
class KnownDivergence:
    """A result where cql-execution departs from the CQL specification: which, and why."""

    library: str
    define: str
    patient: str
    reason: str

    def covers(self, library: str, define: str, patient: str) -> bool:
        """True when this entry explains a mismatch (ANY matches every definition or patient)."""
        return self.library == library and self.define in (ANY, define) and self.patient in (ANY, patient)


#: Where cql-execution 3.3.2 departs from the CQL specification on the fixtures of tests/cql/test_crossengine.py.
_FLOATS = ("cql-execution computes Decimals as binary floats and never rounds them to CQL's scale of 8 "
           "(e.g. 11.299999999999999 for 11.30); the specification keeps 8 decimal places")
_MONTHS = ("months between at a month end: 2021-10-30 to 2024-02-29 is 27 in the reference (Java) engine, since "
           "the 29th of February comes before the 30th; cql-execution counts 28")
_UCUM = ("a FHIR Quantity whose unit is not UCUM ('cells/uL'): cql-execution throws in FHIRHelpers.ToQuantity and "
         "aborts the whole patient; this engine returns null for that quantity, so the data is ignored with a reason")
_FHIR_SORT = ("`sort asc` over FHIR primitive elements (FHIR.id): cql-execution compares the wrapped objects, not "
              "their values, and leaves the list unordered (reversed here); this engine orders them by value")

#: Where cql-execution 3.3.2 departs from the CQL specification on the fixtures of tests/cql/test_crossengine.py.
KNOWN_DIVERGENCES: tuple[KnownDivergence, ...] = (
    KnownDivergence("CrossQuantities", "BSA Squared", "typical", _FLOATS),
    KnownDivergence("CrossQuantities", "BSA Exact", "typical", _FLOATS),
    KnownDivergence("CrossQuantities", "BSA Squared", "month-end", _FLOATS),
    KnownDivergence("CrossQuantities", "BSA Exact", "month-end", _FLOATS),
    KnownDivergence("CrossQuantities", "Dose", "month-end", _FLOATS),
    KnownDivergence("CrossDates", "Months Diagnosis To Relapse", "month-end",
                    _MONTHS + " (and, on day-precision DateTimes, an uncertainty 27..28)"),
    KnownDivergence("CrossDates", "Months Diagnosis To Relapse By Date", "month-end", _MONTHS),
    KnownDivergence("CrossQuantities", ANY, "bad-unit", _UCUM),
    KnownDivergence("CrossNulls", ANY, "bad-unit", _UCUM),
    KnownDivergence("CrossRetrieve", "Valid ANC FHIR Ids Sorted", "typical", _FHIR_SORT),
    KnownDivergence("CrossRetrieve", "Valid ANC FHIR Ids Sorted", "month-end", _FHIR_SORT),
    KnownDivergence("CrossRetrieve", "Valid ANC FHIR Ids Sorted", "messy", _FHIR_SORT),
)


@dataclass(frozen=True)
class Mismatch:
    """One definition for one patient whose values differ; `known` is the listed divergence explaining it, if any."""

    library: str
    define: str
    patient: str
    ours: Any
    theirs: Any
    known: KnownDivergence | None = None


@dataclass
class CrossResult:
    """The comparison of one library over its patients: how many values agree, and every mismatch."""

    library: str
    compared: int = 0
    agreed: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    def unexplained(self) -> list[Mismatch]:
        """Mismatches no known divergence explains."""
        return [m for m in self.mismatches if m.known is None]


def tagged(value: Any) -> Any:
    """This engine's CQL value in the tagged JSON form of tools/cql-execution.mjs."""
    from .datatypes.code import Code, Concept
    from .datatypes.datetime import Date, DateTime, Time
    from .datatypes.interval import Interval
    from .datatypes.quantity import Quantity, Ratio
    from .datatypes.uncertainty import Uncertainty
    from .datatypes.tuple import Tuple

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"Long": str(int(value))} if type(value).__name__ == "Long" else {"Integer": value}
    if isinstance(value, Decimal):
        return {"Decimal": str(value)}
    if isinstance(value, list):
        return [tagged(v) for v in value]
    if isinstance(value, Tuple):
        return {"Tuple": {k: tagged(v) for k, v in value.items()}}
    if isinstance(value, dict):
        return {"FHIR": value}
    if isinstance(value, DateTime):
        return {"DateTime": list(value.parts), "offset": None if value.offset is None else str(value.offset)}
    if isinstance(value, Date):
        return {"Date": list(value.parts)}
    if isinstance(value, Time):
        return {"Time": list(value.parts)}
    if isinstance(value, Quantity):
        return {"Quantity": str(value.value), "unit": value.unit}
    if isinstance(value, Ratio):
        return {"Ratio": [tagged(value.numerator), tagged(value.denominator)]}
    if isinstance(value, Uncertainty):
        return {"Uncertainty": [tagged(value.low), tagged(value.high)]}
    if isinstance(value, Interval):
        return {"Interval": [tagged(value.low), tagged(value.high)], "closed": [value.low_closed, value.high_closed]}
    if isinstance(value, Code):
        return {"Code": value.code, "system": value.system, "version": value.version, "display": value.display}
    if isinstance(value, Concept):
        return {"Concept": [tagged(c) for c in value.codes], "display": value.display}
    raise TypeError(f"no tagged form for {type(value).__name__}")


def untagged(value: Any) -> Any:
    """A parameter value given in the tagged form, as this engine's CQL value."""
    from .datatypes.code import Code
    from .datatypes.datetime import Date, DateTime
    from .datatypes.interval import Interval
    from .datatypes.quantity import Quantity
    from .datatypes.tuple import Tuple

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, list):
        return [untagged(v) for v in value]
    if "Integer" in value:
        return int(value["Integer"])
    if "Decimal" in value:
        return Decimal(value["Decimal"])
    if "DateTime" in value:
        offset = value.get("offset")
        return DateTime(tuple(value["DateTime"]), None if offset is None else Decimal(offset))
    if "Date" in value:
        return Date(*value["Date"])
    if "Quantity" in value:
        return Quantity(Decimal(value["Quantity"]), value["unit"])
    if "Interval" in value:
        low, high = value["Interval"]
        return Interval(untagged(low), untagged(high), *value["closed"])
    if "Code" in value:
        return Code(value["Code"], value.get("system"), value.get("version"), value.get("display"))
    if "Tuple" in value:
        return Tuple({k: untagged(v) for k, v in value["Tuple"].items()})
    raise ValueError(f"cannot read a parameter value of this form: {value!r}")


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _number_tag(value: dict[str, Any]) -> str | None:
    if len(value) == 1:
        (key,) = value
        if key in _NUMBERS:
            return key
    return None


def _fhir_primitive(value: Any) -> tuple[bool, Any]:
    if isinstance(value, dict) and value.keys() == {"FHIR"} and not isinstance(value["FHIR"], (dict, list)):
        return True, value["FHIR"]
    return False, None


def _plain(value: Any) -> Any:
    """A FHIR primitive's JSON value in tagged form, as this engine represents FHIR primitives."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"Integer": value}
    return {"Decimal": str(value)}


def _same_json(ours: Any, theirs: Any) -> bool:
    """Equal FHIR JSON, numbers by value (an exact Decimal here is a binary float in cql-execution)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(_same_json(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(_same_json(a, b) for a, b in zip(ours, theirs))
    numbers = (int, float, Decimal)
    if isinstance(ours, numbers) and isinstance(theirs, numbers) and not isinstance(ours, bool) and not isinstance(theirs, bool):
        return _decimal(ours) == _decimal(theirs)
    return type(ours) is type(theirs) and ours == theirs


def same(ours: Any, theirs: Any) -> bool:
    """Exact equality of two tagged values (numbers by decimal value, a Number matching any numeric type).

    A FHIR primitive is its JSON value in this engine and a wrapped element in cql-execution: the two compare
    by that JSON value.
    """
    for one, other in ((ours, theirs), (theirs, ours)):
        wrapped, value = _fhir_primitive(one)
        if wrapped and not _fhir_primitive(other)[0]:
            return same(_plain(value), other)
    if isinstance(ours, dict) and isinstance(theirs, dict):
        a, b = _number_tag(ours), _number_tag(theirs)
        if a is not None or b is not None:
            if a is None or b is None or (a != b and "Number" not in (a, b)):
                return False
            x, y = _decimal(ours[a]), _decimal(theirs[b])
            return x is not None and x == y
        if "Quantity" in ours and "Quantity" in theirs:
            x, y = _decimal(ours["Quantity"]), _decimal(theirs["Quantity"])
            return x is not None and x == y and (ours["unit"] or "1") == (theirs["unit"] or "1")
        if "FHIR" in ours or "FHIR" in theirs:
            return _same_json(ours, theirs)
        if ours.keys() != theirs.keys():
            return False
        for key in ours:
            if key == "offset":
                if (ours[key] is None) != (theirs[key] is None):
                    return False
                if ours[key] is not None and _decimal(ours[key]) != _decimal(theirs[key]):
                    return False
            elif not same(ours[key], theirs[key]):
                return False
        return True
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(same(a, b) for a, b in zip(ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


def fhirhelpers_source() -> str:
    """The project's FHIRHelpers 4.0.1 CQL (used for translation and tests only)."""
    if not FHIRHELPERS.exists():
        raise FileNotFoundError(f"the project's FHIRHelpers source is missing: {FHIRHELPERS}")
    return FHIRHELPERS.read_text(encoding="utf-8")


def patient_defines(elm: dict[str, Any]) -> list[str]:
    """The expression definitions of a library evaluated in the Patient context (what both engines report)."""
    defs = ((elm.get("library") or {}).get("statements") or {}).get("def") or []
    return [d["name"] for d in defs if d.get("type") != "FunctionDef" and (d.get("context") or "Patient") == "Patient"]


def patient_id(bundle: Mapping[str, Any]) -> str:
    """The id of the Patient resource in a bundle."""
    for entry in bundle.get("entry") or ():
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "Patient":
            return str(resource.get("id"))
    raise ValueError("a patient bundle without a Patient resource")


def run_cql_execution(libraries: list[dict[str, Any]], main: str, bundles: list[dict[str, Any]], *,
                      parameters: Mapping[str, Any] | None = None, now: str | None = None,
                      value_sets: Iterable[dict[str, Any]] = ()) -> dict[str, dict[str, Any]]:
    """cql-execution's tagged results per patient id: {"results": {define: value}} or {"error": message}."""
    request = {
        "libraries": libraries,
        "main": main,
        "patients": bundles,
        "parameters": dict(parameters or {}),
        "executionDateTime": now,
        "valueSets": list(value_sets),
    }
    answer = node.run_json("cql-execution.mjs", request, timeout=600)
    return {p["id"]: {k: v for k, v in p.items() if k != "id"} for p in answer["patients"]}


def run_engine(libraries: list[dict[str, Any]], main: str, bundles: list[dict[str, Any]], *,
               parameters: Mapping[str, Any] | None = None, now: str | None = None,
               value_sets: Iterable[dict[str, Any]] = ()) -> dict[str, dict[str, Any]]:
    """This engine's tagged results per patient id, in the same shape as `run_cql_execution`."""
    from . import Engine, PatientData, Terminology
    from .datatypes.datetime import DateTime

    engine = Engine(libraries)
    names = patient_defines(next(e for e in libraries if e["library"]["identifier"]["id"] == main))
    values = {k: untagged(v) for k, v in (parameters or {}).items()}
    when = DateTime.parse(now) if now is not None else None
    terminology = Terminology.from_resources(list(value_sets))
    out: dict[str, dict[str, Any]] = {}
    for bundle in bundles:
        try:
            results = engine.evaluate(main, data=PatientData.from_bundle(bundle), parameters=values, now=when,
                                      expressions=names, terminology=terminology)
            out[patient_id(bundle)] = {"results": {k: tagged(v) for k, v in results.items()}}
        except Exception as error:
            out[patient_id(bundle)] = {"error": f"{type(error).__name__}: {error}"}
    return out


def compare(library: str, ours: Mapping[str, dict[str, Any]], theirs: Mapping[str, dict[str, Any]],
            divergences: Iterable[KnownDivergence] = ()) -> CrossResult:
    """Compare both engines' answers, value by value; a patient one engine failed on mismatches as a whole."""
    listed = list(divergences)
    result = CrossResult(library)

    def why(define: str, patient: str) -> KnownDivergence | None:
        return next((d for d in listed if d.covers(library, define, patient)), None)

    for patient in sorted(set(ours) | set(theirs)):
        mine, other = ours.get(patient, {}), theirs.get(patient, {})
        if "results" not in mine or "results" not in other:
            result.compared += 1
            if mine.get("error") is not None and other.get("error") is not None:
                result.agreed += 1
            else:
                result.mismatches.append(Mismatch(library, ANY, patient, mine, other, why(ANY, patient)))
            continue
        for define in sorted(set(mine["results"]) | set(other["results"])):
            result.compared += 1
            a, b = mine["results"].get(define), other["results"].get(define)
            if same(a, b):
                result.agreed += 1
            else:
                result.mismatches.append(Mismatch(library, define, patient, a, b, why(define, patient)))
    return result


def unused(divergences: Iterable[KnownDivergence], results: Iterable[CrossResult]) -> list[KnownDivergence]:
    """Known divergences that explained no mismatch (fixed, or listed wrongly): the list must not rot."""
    seen = [m for r in results for m in r.mismatches]
    return [d for d in divergences if not any(d.covers(m.library, m.define, m.patient) for m in seen)]
