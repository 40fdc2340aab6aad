"""The `$apply` inputs beside the plan: the subject's data with the resources of INPUT that belong to no patient
(the Practitioner, Organization, Medication an expression may name), the user and setting CodeableConcepts
(`userType`, `userLanguage`, `userTaskContext`, `setting`, `settingContext`) read from the command line, and the
`data` Bundle merged with the subject's data (its resources first, as CPG's `data` parameter says; another
patient's left out)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import orjson

from .inputs import PatientInput, patient_of, read_resources, select_patient

#: The operation's CodeableConcept inputs: (R4 parameter name, command-line option).
CONCEPT_INPUTS = (("userType", "--user-type"), ("userLanguage", "--user-language"),
                  ("userTaskContext", "--user-task-context"), ("setting", "--setting"),
                  ("settingContext", "--setting-context"))


class LaunchError(ValueError):
    """An input that cannot be used (names it and why)."""


def subject_data(path: Path, subject: str | None) -> tuple[PatientInput, tuple[dict[str, Any], ...]]:
    """INPUT's patient, and its resources with those of INPUT that belong to no patient (refusals as `load_patient`)."""
    resources, aliases = read_resources(path)
    patient = select_patient(resources, subject, path, aliases)
    kept = {id(r) for r in patient.resources}
    shared = [r for r in resources if id(r) not in kept and r.get("resourceType") != "Patient"
              and patient_of(r, aliases) is None]
    return patient, (*patient.resources, *shared)


def codeable_concept(text: str) -> dict[str, Any]:
    """A CodeableConcept written `SYSTEM|CODE` (one coding) or as its FHIR JSON."""
    if text.lstrip().startswith("{"):
        try:
            concept = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise LaunchError(f"not JSON ({error})") from None
        codings = concept.get("coding", [])
        if not isinstance(codings, list) or not all(isinstance(c, dict) and c.get("code") for c in codings):
            raise LaunchError("a CodeableConcept's coding is a list of codings, each with a code")
        if not codings and not concept.get("text"):
            raise LaunchError("a CodeableConcept with neither a coding nor a text")
        return concept
    system, bar, code = text.rpartition("|")
    if not bar or not system or not code:
        raise LaunchError(f"'{text}' is neither SYSTEM|CODE nor a CodeableConcept in JSON")
    return {"coding": [{"system": system, "code": code}]}


def bundle_resources(document: Any) -> tuple[dict[str, Any], ...]:
    """The resources of the `data` Bundle's entries."""
    kind = document.get("resourceType") if isinstance(document, dict) else type(document).__name__
    if kind != "Bundle":
        raise LaunchError(f"the data input is a Bundle, not a {kind}")
    entries = document.get("entry") or []
    if not isinstance(entries, list):
        raise LaunchError("Bundle.entry is not a list")
    found = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise LaunchError(f"entry {i} holds no resource")
        found.append(resource)
    return tuple(found)


@dataclass(frozen=True)
class MergedData:
    """The data CQL and FHIRPath see, and what the merge set aside or replaced (reported, never silent)."""

    resources: tuple[dict[str, Any], ...]
    replaced: tuple[str, ...] = ()
    others: tuple[str, ...] = ()


def _key(resource: Mapping[str, Any]) -> str | None:
    rid = resource.get("id")
    return f"{resource['resourceType']}/{rid}" if isinstance(rid, str) and rid else None


def merge_data(subject: str, own: Iterable[dict[str, Any]], data: Iterable[dict[str, Any]]) -> MergedData:
    """The subject's data with the `data` input's resources: one of the same `Type/id` in `data` replaces the
    subject's (data is used first; the first of two in `data` stands), and one belonging to another patient is left
    out (named in `others`); a replaced resource that differed is named in `replaced`."""
    pid = subject.removeprefix("Patient/")
    extra: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    others: list[str] = []
    replaced: list[str] = []
    for resource in data:
        owner = patient_of(resource)
        if owner is not None and owner != pid:
            others.append(_key(resource) or resource["resourceType"])
            continue
        key = _key(resource)
        if key is not None:
            if key in by_key:
                if by_key[key] != resource:
                    replaced.append(key)
                continue
            by_key[key] = resource
        extra.append(resource)
    kept: list[dict[str, Any]] = []
    for resource in own:
        key = _key(resource)
        if key is not None and key in by_key:
            if by_key[key] != resource:
                replaced.append(key)
            continue
        kept.append(resource)
    return MergedData((*extra, *kept), tuple(replaced), tuple(others))
