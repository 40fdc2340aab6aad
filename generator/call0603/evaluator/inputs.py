"""Reading a patient's FHIR data: a Bundle file or a Bulk Data NDJSON folder, one patient chosen, or a refusal."""

from __future__ import annotations

import datetime as _dt
import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .reading import (
    SUBJECT_TYPES, NotJson, Problem, distinct_copies, latest_version, loads, read_type, reference_target, subject_reference,
)

#: Bundle types that carry a patient's data (docs/input-contract.md).
BUNDLE_TYPES = frozenset({"collection", "transaction", "batch", "searchset"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InputRefused(Exception):
    """A document that cannot be used: the evaluator says which file and why, exits 2, and writes nothing."""

    def __init__(self, source: Path | str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = str(source)
        self.reason = reason


@dataclass(frozen=True)
class PatientInput:
    """One patient's resources (the Patient first) as read, with the file they came from."""

    source: str
    patient: dict[str, Any]
    resources: tuple[dict[str, Any], ...]
    #: Problems of resources the rules cannot see at all, found when reading (listed beside the CQL's `Ignored`).
    problems: tuple[Problem, ...] = ()

    @property
    def subject(self) -> str:
        """The patient's reference, `Patient/<id>`."""
        return f"Patient/{self.patient.get('id')}"


def parse_date(text: str, what: str, source: Path | str) -> _dt.date:
    """A YYYY-MM-DD date, or a refusal naming the option."""
    if not isinstance(text, str) or not _DATE.match(text):
        raise InputRefused(source, f"{what} '{text}' is not a date (YYYY-MM-DD)")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise InputRefused(source, f"{what} '{text}' is not a calendar date") from None


def _json(raw: bytes, source: Path | str) -> Any:
    try:
        return loads(raw)
    except NotJson as e:
        raise InputRefused(source, f"not JSON ({e})") from None


def _bundle_resources(doc: Any, source: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    if not isinstance(doc, dict) or doc.get("resourceType") != "Bundle":
        kind = doc.get("resourceType") if isinstance(doc, dict) else type(doc).__name__
        raise InputRefused(source, f"not a FHIR Bundle (resourceType {kind!r})")
    if not isinstance(doc.get("type"), str) or doc["type"] not in BUNDLE_TYPES:
        raise InputRefused(source, f"Bundle type {doc.get('type')!r} is not one of {', '.join(sorted(BUNDLE_TYPES))}")
    entries = doc.get("entry")
    if entries is not None and not isinstance(entries, list):
        raise InputRefused(source, f"Bundle.entry is not a list (a JSON {type(entries).__name__})")
    resources, aliases = [], {}
    for i, entry in enumerate(entries or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise InputRefused(source, f"Bundle.entry[{i}] has no resource")
        resources.append(resource)
        if resource["resourceType"] == "Patient" and isinstance(entry.get("fullUrl"), str) and resource.get("id"):
            aliases[entry["fullUrl"]] = resource["id"]
    return resources, aliases


#: What names a Bulk Data NDJSON file (plain or gzip).
NDJSON_SUFFIXES = (".ndjson", ".ndjson.gz")


def unreadable(error: BaseException) -> str:
    """Why a file could not be read, in words (a gzip file that is not gzip or is cut short, a folder, no permission)."""
    if isinstance(error, IsADirectoryError):
        return "is a folder, not an NDJSON file"
    if isinstance(error, gzip.BadGzipFile):
        return f"not a gzip file ({error})"
    if isinstance(error, (EOFError, zlib.error)):
        return f"gzip data cut short or damaged ({type(error).__name__}: {error})"
    if isinstance(error, OSError) and error.strerror:
        return f"cannot be read ({error.strerror})"
    return f"cannot be read ({type(error).__name__}: {error})"


#: What reading a file can raise when the file, not the program, is at fault.
READ_ERRORS = (OSError, EOFError, zlib.error)


def ndjson_files(folder: Path) -> list[Path]:
    """The folder's NDJSON files in name order; one that is not a regular file (a folder named `x.ndjson`) or none
    at all is a refusal (never silently skipped)."""
    try:
        files = sorted(p for p in folder.iterdir() if p.name.endswith(NDJSON_SUFFIXES))
    except READ_ERRORS as e:
        raise InputRefused(folder, unreadable(e)) from None
    if not files:
        raise InputRefused(folder, "no .ndjson or .ndjson.gz files in the folder")
    for path in files:
        if not path.is_file():
            raise InputRefused(path, "is a folder, not an NDJSON file" if path.is_dir() else "not a regular file")
    return files


def iter_ndjson(path: Path) -> Iterator[dict[str, Any]]:
    """Every resource of one NDJSON file (plain or gzip), line by line; a bad line is a refusal naming it, and a
    file that cannot be read (not gzip, cut short, a folder, no permission) one naming the file."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                resource = _json(line, f"{path}:{number}")
                if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                    raise InputRefused(f"{path}:{number}", "not a FHIR resource")
                yield resource
    except READ_ERRORS as e:
        raise InputRefused(path, unreadable(e)) from None


def read_resources(path: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """All resources of a Bundle file or an NDJSON folder (or one NDJSON file), with the Bundle's Patient fullUrls."""
    if not path.exists():
        raise InputRefused(path, "no such file or folder")
    if path.is_dir():
        return [r for f in ndjson_files(path) for r in iter_ndjson(f)], {}
    if path.name.endswith(NDJSON_SUFFIXES):
        return list(iter_ndjson(path)), {}
    try:
        raw = path.read_bytes()
    except READ_ERRORS as e:
        raise InputRefused(path, unreadable(e)) from None
    return _bundle_resources(_json(raw, path), path)


_REFERENCE_FIELDS = ("subject", "patient", "beneficiary")


def patient_of(resource: dict[str, Any], aliases: dict[str, str] | None = None) -> str | None:
    """The Patient id a resource belongs to (itself for a Patient), or None when it names none.

    A reference may be `Patient/<id>`, carry `/_history/<v>`, be an absolute URL, or be a Bundle entry's fullUrl
    (`aliases` maps a fullUrl such as `urn:uuid:…` to its Patient id).
    """
    if resource.get("resourceType") == "Patient":
        return resource.get("id")
    for field in _REFERENCE_FIELDS:
        ref = resource.get(field)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return reference_target(ref["reference"], aliases)
    return None


def _one_version(copies: list[dict[str, Any]], wanted: str, source: Path | str) -> dict[str, Any]:
    distinct = distinct_copies(copies)
    chosen = distinct[0] if len(distinct) == 1 else latest_version(distinct)
    if chosen is None:
        raise InputRefused(source, f"{len(distinct)} Patients with id '{wanted}' that differ, and neither meta.versionId "
                                   "nor meta.lastUpdated tells which stands")
    return chosen


def select_patient(
    resources: Iterable[dict[str, Any]], subject: str | None, source: Path | str, aliases: dict[str, str] | None = None
) -> PatientInput:
    """The one patient the evaluation is about, with that patient's resources (others' are left out).

    In a document holding one Patient, a resource of a type the rules read whose subject resolves to no Patient is
    kept (the reading layer flags it as an error in the data); one naming another Patient present is not this patient's.
    """
    resources = list(resources)
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if any(not isinstance(p.get("id"), str) or not p["id"] for p in patients):
        raise InputRefused(source, "the Patient has no id")
    ids = sorted({p["id"] for p in patients})
    wanted = subject.removeprefix("Patient/") if subject else None
    if wanted is None:
        if not patients:
            raise InputRefused(source, "no Patient resource")
        if len(ids) > 1:
            raise InputRefused(source, f"{len(ids)} Patients and no --subject to choose one")
        wanted = ids[0]
    chosen = [p for p in patients if p.get("id") == wanted]
    if not chosen:
        raise InputRefused(source, f"no Patient with id '{wanted}'")
    patient = _one_version(chosen, wanted, source)
    pid = patient["id"]
    others = set(ids) - {pid}
    own = []
    for r in resources:
        if r.get("resourceType") == "Patient":
            continue
        target = patient_of(r, aliases)
        if target == pid:
            if aliases and subject_reference(r) in aliases:
                r = {**r, "subject": {**r["subject"], "reference": f"Patient/{pid}"}}
            own.append(r)
        elif not others and read_type(r.get("resourceType")) in SUBJECT_TYPES:
            own.append(r)
    return PatientInput(str(source), patient, (patient, *own))


def load_patient(path: Path, subject: str | None = None) -> PatientInput:
    """Read INPUT and choose its patient, refusing a document that cannot be used."""
    resources, aliases = read_resources(path)
    return select_patient(resources, subject, path, aliases)


def patient_from_bundle(doc: Any, subject: str | None, source: str) -> PatientInput:
    """Choose the patient of a Bundle already parsed (a request's `data`), refusing it by the name `source`."""
    resources, aliases = _bundle_resources(doc, Path(source))
    return select_patient(resources, subject, source, aliases)
