"""One patient's raw NDJSON lines into an assessment or a refusal record: the step both engines share."""

from __future__ import annotations

import datetime as _dt
import decimal
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import orjson

from ..evaluator.inputs import InputRefused, PatientInput
from ..evaluator.reading import distinct_copies, latest_version, loads
from .evaluator import LoadedEvaluator

ASSESSED = "assessed"
REFUSED = "refused"


@dataclass(frozen=True)
class Provenance:
    """What produced a record: the package version and the hash of the compiled library."""

    package: str
    library_hash: str

    def as_json(self) -> dict[str, str]:
        """The provenance object every output carries."""
        return {"package": self.package, "libraryHash": self.library_hash}


@dataclass(frozen=True)
class Outcome:
    """One patient's result: which output it belongs to, its id (the sort key) and its JSON line."""

    kind: str
    patient_id: str
    line: bytes


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return orjson.Fragment(format(value, "f")) if value.is_finite() else None
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(record: Mapping[str, Any]) -> bytes:
    """A record as one JSON line (Decimals written exactly, keys as given), newline included."""
    return orjson.dumps(record, default=_default, option=orjson.OPT_APPEND_NEWLINE)


def refusal(patient_id: str | None, source: str, reason: str, provenance: Provenance, error: bool = False) -> dict:
    """The refused.ndjson record of a patient the run could not evaluate, with the reason."""
    return {
        "subject": f"Patient/{patient_id}" if patient_id else None,
        "source": source,
        "reason": reason,
        "kind": "error" if error else "refused",
        "provenance": provenance.as_json(),
    }


def _resource_key(resource: dict[str, Any]) -> tuple[int, str, str]:
    return (resource.get("resourceType") != "Patient", resource.get("resourceType", ""), str(resource.get("id", "")))


def patient_input(patient_id: str, lines: Iterable[bytes | str], source: str) -> PatientInput:
    """The patient's resources parsed and put in a canonical order (Patient first, then by type and id).

    The order does not depend on the input files' order or the engine, so both engines see the same input.
    """
    resources = sorted((loads(line) for line in lines), key=_resource_key)
    patients = distinct_copies(r for r in resources if r.get("resourceType") == "Patient")
    if not patients:
        raise InputRefused(source, f"resources name Patient/{patient_id} but the export has no Patient with that id")
    patient = patients[0] if len(patients) == 1 else latest_version(patients)
    if patient is None:
        raise InputRefused(source, f"{len(patients)} Patient resources with id '{patient_id}' that differ, and neither "
                                   "meta.versionId nor meta.lastUpdated tells which stands")
    return PatientInput(source, patient, (patient, *(r for r in resources if r.get("resourceType") != "Patient")))


def evaluate(
    patient_id: str,
    lines: Iterable[bytes | str],
    *,
    source: str,
    start: _dt.date | None,
    as_of: _dt.date,
    evaluator: LoadedEvaluator,
    provenance: Provenance,
) -> Outcome:
    """One patient evaluated: an assessment, or a refusal with its reason (an evaluator failure is one too, marked error)."""
    try:
        record = dict(evaluator(patient_input(patient_id, lines, source), start, as_of))
        record["provenance"] = provenance.as_json()
        return Outcome(ASSESSED, patient_id, dumps(record))
    except InputRefused as refused:
        return Outcome(REFUSED, patient_id, dumps(refusal(patient_id, refused.source, refused.reason, provenance)))
    except Exception as failure:  # one patient's failure must not hide the others: it is listed, and the run fails
        reason = f"evaluation failed: {type(failure).__name__}: {failure}"
        return Outcome(REFUSED, patient_id, dumps(refusal(patient_id, source, reason, provenance, error=True)))
