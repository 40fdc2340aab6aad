"""The reading layer: one patient's FHIR resources made fit for the engine, with every problem found reported, not fixed.

It parses and reports only; no clinical rule lives here. A resource it cannot take as it stands (a value that is not
a finite decimal, a date that is not a FHIR date, a subject naming no one, a resource type R4 does not have, two
versions of one record that nothing orders) keeps its place but carries the package's data-problem extension saying
why, so the CQL sets it aside as an error in the data and applies its rules to what remains. Identical duplicates are
dropped, later versions replace earlier ones, and the resources come out in one canonical order, so nothing in the
result depends on the order of entries, lines or files.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable, Mapping

import msgspec

from ..cql.fhir.model import MODEL

#: Resource types the rules read, each tied to its patient by `subject`.
SUBJECT_TYPES = frozenset({"Observation", "Condition", "CarePlan"})

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?" + _ZONE
_DATE = re.compile(_YEAR + r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?")
_DATETIME = re.compile(_YEAR + r"(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(" + _TIME + r")?)?)?")
_INSTANT = re.compile(_YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])" + _TIME)
_HISTORY = re.compile(r"/_history/[^/]+$")

#: The dated elements the rules read, per resource type: (JSON path of one or two steps, FHIR primitive type).
DATED: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "Observation": ((("effectiveDateTime",), "dateTime"), (("effectiveInstant",), "instant"),
                    (("effectivePeriod", "start"), "dateTime"), (("effectivePeriod", "end"), "dateTime")),
    "Condition": ((("onsetDateTime",), "dateTime"), (("onsetPeriod", "start"), "dateTime"), (("recordedDate",), "dateTime")),
    "CarePlan": ((("period", "start"), "dateTime"), (("period", "end"), "dateTime")),
    "Patient": ((("birthDate",), "date"), (("deceasedDateTime",), "dateTime")),
}

_PATTERNS = {"date": _DATE, "dateTime": _DATETIME, "instant": _INSTANT}

_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class NotJson(ValueError):
    """Bytes that are not one JSON document."""


def loads(raw: bytes | str) -> Any:
    """JSON with every number that has a fraction or exponent read as an exact Decimal, never a binary float."""
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError as error:
        raise NotJson(str(error)) from None


@dataclass(frozen=True)
class Problem:
    """A resource the rules cannot see at all (so the CQL cannot list it), with why: listed beside the CQL's own."""

    resource: str
    why: str


def reference_target(reference: Any, aliases: Mapping[str, str] | None = None) -> str | None:
    """The Patient id a reference names: `Patient/<id>`, with `/_history/<v>`, as an absolute URL, or a Bundle fullUrl."""
    if not isinstance(reference, str):
        return None
    if aliases and reference in aliases:
        return aliases[reference]
    kind, _, ident = _HISTORY.sub("", reference).rstrip("/").rpartition("/")
    if ident and (kind == "Patient" or kind.endswith("/Patient")):
        return ident
    return None


def subject_reference(resource: Mapping[str, Any]) -> Any:
    """The reference text of a resource's subject (or patient), or None."""
    for field in ("subject", "patient"):
        ref = resource.get(field)
        if isinstance(ref, dict):
            return ref.get("reference")
    return None


def subject_problem(resource: Mapping[str, Any]) -> str:
    """Why a resource's subject names no Patient (it resolves to none)."""
    for field in ("subject", "patient"):
        ref = resource.get(field)
        if isinstance(ref, dict):
            if isinstance(ref.get("reference"), str):
                return f"{field} '{ref['reference']}' resolves to no Patient in the data"
            if "identifier" in ref:
                return f"{field} names its patient by identifier only"
            return f"{field} has no reference"
    return "no subject: it names no patient"


@lru_cache(maxsize=None)
def _r4_types() -> frozenset[str]:
    return frozenset(name for name in MODEL.type_names() if MODEL.is_resource(name))


def r4_type(name: Any) -> str | None:
    """The R4 resource type a `resourceType` names exactly, or None."""
    return name if isinstance(name, str) and name in _r4_types() else None


@lru_cache(maxsize=None)
def _r4_types_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in _r4_types()}


def read_type(name: Any) -> str | None:
    """The R4 resource type a `resourceType` names, exactly or but for its case (`observation`); None for neither."""
    if r4_type(name) is not None:
        return name
    return _r4_types_by_lower().get(name.lower()) if isinstance(name, str) else None


def _with_problem(resource: dict[str, Any], why: str, url: str) -> dict[str, Any]:
    out = dict(resource)
    out["extension"] = [*(resource.get("extension") or []), {"url": url, "valueString": why}]
    return out


@lru_cache(maxsize=4096)
def _calendar_day(day: str) -> bool:
    """Whether a YYYY-MM-DD text (months and days in range) is a day of the calendar (not 02-30, nor 02-29 of 2023)."""
    try:
        _dt.date(int(day[:4]), int(day[5:7]), int(day[8:10]))
    except ValueError:
        return False
    return True


def _valid_date(text: Any, kind: str) -> bool:
    if not isinstance(text, str) or not _PATTERNS[kind].fullmatch(text):
        return False
    return len(text) < 10 or _calendar_day(text[:10])


def _finite_decimal(value: Any) -> bool:
    """A JSON number: an int, an exact Decimal, or a float from a reader that makes floats (finite in each case)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _quantity_problems(resource: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Quantity values that are not finite JSON numbers are removed, each with why."""
    problems: list[str] = []
    out = resource
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict) and "value" in quantity and not _finite_decimal(quantity["value"]):
        problems.append(f"valueQuantity.value {quantity['value']!r} is not a finite decimal number")
        out = dict(out)
        out["valueQuantity"] = {k: v for k, v in quantity.items() if k != "value"}
    ranges = resource.get("referenceRange")
    if isinstance(ranges, list):
        fixed = []
        for item in ranges:
            if isinstance(item, dict):
                for end in ("low", "high"):
                    bound = item.get(end)
                    if isinstance(bound, dict) and "value" in bound and not _finite_decimal(bound["value"]):
                        problems.append(f"referenceRange.{end}.value {bound['value']!r} is not a finite decimal number")
                        item = {**item, end: {k: v for k, v in bound.items() if k != "value"}}
            fixed.append(item)
        if problems and out is resource:
            out = dict(out)
        if out is not resource:
            out["referenceRange"] = fixed
    return out, problems


def _date_problems(resource: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Dated elements that are not FHIR dates of their type are removed, each with why."""
    problems: list[str] = []
    out = resource
    for path, kind in DATED.get(resource.get("resourceType", ""), ()):
        holder: Any = out if len(path) == 1 else out.get(path[0])
        if not isinstance(holder, dict) or path[-1] not in holder or _valid_date(holder[path[-1]], kind):
            continue
        problems.append(f"{'.'.join(path)} {holder[path[-1]]!r} is not a FHIR {kind}")
        if out is resource:
            out = dict(resource)
        if len(path) == 1:
            out.pop(path[0])
        else:
            out[path[0]] = {k: v for k, v in out[path[0]].items() if k != path[-1]}
    return out, problems


def _version_key(resource: Mapping[str, Any]) -> tuple[int, Any] | None:
    meta = resource.get("meta") if isinstance(resource.get("meta"), dict) else {}
    version = meta.get("versionId")
    if isinstance(version, str) and version.isdigit():
        return (1, int(version))
    updated = meta.get("lastUpdated")
    if _valid_date(updated, "instant"):
        return (0, _dt.datetime.fromisoformat(updated.replace("Z", "+00:00")))
    return None


_CANONICAL = msgspec.json.Encoder(order="sorted", decimal_format="number")


def canonical_json(resource: Mapping[str, Any]) -> bytes:
    """A resource as JSON with sorted keys and its exact decimals as JSON numbers: equal content, equal bytes."""
    return _CANONICAL.encode(resource)


def latest_version(copies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Of differing copies of one record, the one with the later `meta.versionId` (else `meta.lastUpdated`); None when
    neither orders them all."""
    keyed = [(_version_key(r), r) for r in copies]
    if any(k is None for k, _ in keyed) or len({k[0] for k, _ in keyed if k is not None}) != 1:
        return None
    keyed.sort(key=lambda item: item[0])  # type: ignore[arg-type, return-value]
    return keyed[-1][1] if keyed[-1][0] != keyed[-2][0] else None


def distinct_copies(resources: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resources with identical copies counted once (by content), in a canonical order."""
    return [r for _, r in sorted({canonical_json(r): r for r in resources}.items())]


def resolve_versions(resources: Iterable[dict[str, Any]], url: str) -> list[dict[str, Any]]:
    """One resource per type and id: identical copies count once; of differing ones the later `meta.versionId` (else
    `meta.lastUpdated`) stands; where neither orders them, one is kept carrying a data problem naming the conflict."""
    groups: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    loose: list[dict[str, Any]] = []
    for resource in resources:
        rid = resource.get("id")
        if not isinstance(rid, str) or not rid:
            loose.append(resource)
            continue
        groups.setdefault((resource.get("resourceType"), rid), []).append(resource)
    out = list(loose)
    for (kind, rid), found in groups.items():
        copies = found if len(found) == 1 else distinct_copies(found)
        chosen = copies[0] if len(copies) == 1 else latest_version(copies)
        out.append(chosen if chosen is not None else _with_problem(
            copies[0], f"{len(copies)} versions of {kind}/{rid} with different content, and neither meta.versionId nor "
            "meta.lastUpdated tells which stands", url))
    return out


def prepare(resources: Iterable[dict[str, Any]], patient_id: str, url: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """One patient's resources, checked and flagged, in canonical order (Patient first, then by type, id and content);
    with the problems of resources the rules cannot see at all (a type R4 does not have, a Patient's unreadable date).
    References through a Bundle's fullUrl are resolved before, when the patient is chosen (`inputs.select_patient`)."""
    out: list[dict[str, Any]] = []
    unseen: list[Problem] = []
    own = f"Patient/{patient_id}"
    for resource in resolve_versions(resources, url):
        kind = resource.get("resourceType")
        problems: list[str] = []
        if r4_type(kind) is None:
            known = read_type(kind)
            if known is None:
                unseen.append(Problem(f"{kind}/{resource.get('id')}", f"resourceType {kind!r} is not an R4 resource type"))
                continue
            problems.append(f"resourceType {kind!r} is not an R4 resource type (read as {known})")
            resource = {**resource, "resourceType": known}
            kind = known
        resource, found = _date_problems(resource)
        problems += found
        if kind == "Observation":
            resource, found = _quantity_problems(resource)
            problems += found
        if kind in SUBJECT_TYPES:
            reference = subject_reference(resource)
            if reference != own and reference_target(reference) != patient_id:
                problems.append(subject_problem(resource))
            elif reference != own:
                resource = {**resource, "subject": {**resource.get("subject", {}), "reference": own}}
        if kind == "Patient":
            unseen += [Problem(f"Patient/{resource.get('id')}", why) for why in problems]
        elif problems:
            resource = _with_problem(resource, "; ".join(problems), url)
        out.append(resource)
    return canonical_order(out), unseen


def _type_and_id(resource: Mapping[str, Any]) -> tuple[bool, str, str]:
    return resource.get("resourceType") != "Patient", str(resource.get("resourceType")), str(resource.get("id"))


def canonical_order(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resources ordered Patient first, then by type, id and content (canonical JSON, encoded only where type and id
    are the same: resources without an id, copies whose conflict is flagged)."""
    keys = [_type_and_id(r) for r in resources]
    order = sorted(range(len(resources)), key=keys.__getitem__)
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and keys[order[end]] == keys[order[start]]:
            end += 1
        if end - start > 1:
            order[start:end] = sorted(order[start:end], key=lambda i: canonical_json(resources[i]))
        start = end
    return [resources[i] for i in order]
