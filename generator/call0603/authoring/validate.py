"""Every validator the package passes, each a pure check over the resource list that returns its findings.

- `fhir.resources R4B`: the pydantic R4B models (the closest to R4 in fhir.resources 8.x).
- `medplum R4`: @medplum/core `validateResource` against the R4 StructureDefinitions, plus every `code` element
  with a required binding checked against its R4 ValueSet (tools/medplum-validate.mjs).
- `profiles`: every resource claims the profiles it is built to (CPG / CRMI / CQL IG).
- `profile conformance`: every resource against every profile it claims in `meta.profile` (CPG 2.0.0, CRMI 1.0.0,
  CQL IG 1.0.0): snapshots from fhir-snapshot-generator over an offline package cache, @medplum/core
  `validateResource` with the profile (tools/profile-validate.mjs); its count is of (resource, profile) checks, and a
  warning fails it as an error does.
- `canonicals`: every canonical reference under the package's base resolves to a resource in the package; any
  other is a declared external (FHIRHelpers, the external code systems).
- `cql identifiers`: every `text/cql-identifier` expression names a define in its Library's ELM.
- `value set codes`: every code a ValueSet takes from one of the package's CodeSystems exists there.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, Union

CQL_LIBRARY = "http://hl7.org/fhir/uv/cql/StructureDefinition/cql-library"
EXPECTED_PROFILES: dict[str, tuple[str, ...]] = {
    "PlanDefinition": (
        "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computableplandefinition",
        "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareableplandefinition",
    ),
    "ActivityDefinition/MedicationRequest": (
        "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-medicationrequestactivity",
        "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareableactivitydefinition",
    ),
    "ActivityDefinition/CommunicationRequest": (
        "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-communicationactivity",
        "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareableactivitydefinition",
    ),
    "ActivityDefinition/ServiceRequest": (
        "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-servicerequestactivity",
        "http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareableactivitydefinition",
    ),
    "Library": (CQL_LIBRARY,),
    "CodeSystem": ("http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablecodesystem",),
    "ValueSet": ("http://hl7.org/fhir/uv/crmi/StructureDefinition/crmi-shareablevalueset",),
}
CODE_FILTER = re.compile(r"codeFilter\[\d+\]$")


@dataclass(frozen=True)
class Finding:
    """One error a validator found: which resource, where in it, what is wrong."""

    resource: str
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        label = "" if self.severity == "error" else f"[{self.severity}] "
        return f"{self.resource} {self.path}: {label}{self.message}"


@dataclass(frozen=True)
class Report:
    """What one validator checked and found."""

    validator: str
    checked: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when the validator found nothing (no error and no warning)."""
        return not self.findings

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return sum(1 for f in self.findings if f.severity == "warning")


@dataclass(frozen=True)
class PackageContext:
    """What the checks need besides the resources: the package's canonical base and the declared externals."""

    canonical: str
    external: frozenset[str] = frozenset()


def ident(resource: Mapping[str, Any]) -> str:
    """`Type/id` of a resource, for messages."""
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def check_r4b(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> list[Finding]:
    """Parse each resource with the fhir.resources R4B model of its type."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    found: list[Finding] = []
    for resource in resources:
        try:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        except ValidationError as e:
            for err in e.errors():
                found.append(Finding(ident(resource), ".".join(str(p) for p in err["loc"]), err["msg"]))
        except (KeyError, ValueError) as e:
            found.append(Finding(ident(resource), "resourceType", str(e)))
    return found


def check_medplum(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> list[Finding]:
    """Validate each resource with @medplum/core against the R4 base definitions (one node process)."""
    from ..node import run_json

    answers = run_json("medplum-validate.mjs", {"resources": list(resources)}, timeout=300)
    return [Finding(f"{a['resourceType']}/{a['id']}", e["path"], e["message"]) for a in answers for e in a["errors"]]


@dataclass(frozen=True)
class Checked:
    """A validator's findings with how many checks it made, when that is not one per resource."""

    findings: list[Finding]
    checks: int


def check_profile_conformance(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> Checked:
    """Validate each resource against every profile it claims (one node process, offline package cache)."""
    from .. import paths
    from ..node import run_json

    request = {
        "resources": list(resources),
        "cache": str(paths.TOOLS / ".fhir-cache"),
        "igPackages": str(paths.TOOLS / "fhir-packages" / "ig-packages.tgz"),
    }
    answer = run_json("profile-validate.mjs", request, timeout=600)
    found: list[Finding] = []
    for result in answer["results"]:
        where = f"{result['resourceType']}/{result['id']}"
        profile = result["profile"].rsplit("/", 1)[-1]
        for severity in ("error", "warning"):
            found += [Finding(where, e["path"], f"{profile}: {e['message']}", severity) for e in result[f"{severity}s"]]
    return Checked(found, answer["checks"])


def _profile_key(resource: Mapping[str, Any]) -> str:
    kind = resource["resourceType"]
    return f"{kind}/{resource.get('kind')}" if kind == "ActivityDefinition" else kind


def check_profiles(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> list[Finding]:
    """Every resource's meta.profile lists the profiles its type is built to."""
    found: list[Finding] = []
    for resource in resources:
        key = _profile_key(resource)
        claimed = set((resource.get("meta") or {}).get("profile") or [])
        expected = EXPECTED_PROFILES.get(key)
        if expected is None:
            found.append(Finding(ident(resource), "meta.profile", f"no expected profile is known for {key}"))
            continue
        found.extend(Finding(ident(resource), "meta.profile", f"missing profile {p}") for p in expected if p not in claimed)
    return found


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair in a JSON tree, depth first, with FHIRPath-like paths (`action[0].id`)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]")


def canonical_references(resource: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(path, canonical) for each element of a resource that references another artifact by canonical."""
    for path, value in walk(resource):
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("definitionCanonical"), str):
            yield f"{path}.definitionCanonical", value["definitionCanonical"]
        if value.get("language") == "text/cql-identifier" and isinstance(value.get("reference"), str):
            yield f"{path}.reference", value["reference"]
        if value.get("type") == "depends-on" and isinstance(value.get("resource"), str):
            yield f"{path}.resource", value["resource"]
        if CODE_FILTER.search(path) and isinstance(value.get("valueSet"), str):
            yield f"{path}.valueSet", value["valueSet"]
    for i, url in enumerate(resource.get("library") or []):
        yield f"library[{i}]", url
    for i, include in enumerate((resource.get("compose") or {}).get("include") or []):
        if "system" in include:
            yield f"compose.include[{i}].system", include["system"]
        for j, url in enumerate(include.get("valueSet") or []):
            yield f"compose.include[{i}].valueSet[{j}]", url


def _index(resources: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    by_url: dict[str, list[Mapping[str, Any]]] = {}
    for resource in resources:
        if isinstance(resource.get("url"), str):
            by_url.setdefault(resource["url"], []).append(resource)
    return by_url


def resolve(canonical: str, by_url: Mapping[str, list[Mapping[str, Any]]]) -> Mapping[str, Any] | None:
    """The package resource a canonical (`url` or `url|version`) names, or None."""
    url, _, version = canonical.partition("|")
    for resource in by_url.get(url, []):
        if not version or resource.get("version") == version:
            return resource
    return None


def check_canonicals(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> list[Finding]:
    """Canonicals under the package base resolve inside the package; all others are declared externals."""
    by_url = _index(resources)
    found: list[Finding] = []
    for resource in resources:
        for path, canonical in canonical_references(resource):
            if canonical.startswith(context.canonical + "/"):
                if resolve(canonical, by_url) is None:
                    found.append(Finding(ident(resource), path, f"{canonical} does not resolve to a resource of the package"))
            elif canonical not in context.external and canonical.partition("|")[0] not in context.external:
                found.append(Finding(ident(resource), path, f"{canonical} is neither in the package nor a declared external"))
    return found


def library_defines(library: Mapping[str, Any]) -> set[str] | None:
    """The define names in a Library's ELM attachment, or None when it carries no ELM."""
    for content in library.get("content") or []:
        if content.get("contentType") == "application/elm+json" and "data" in content:
            elm = json.loads(base64.b64decode(content["data"]))
            return {d["name"] for d in elm["library"].get("statements", {}).get("def", [])}
    return None


def check_cql_identifiers(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> list[Finding]:
    """Every `text/cql-identifier` expression names a define that exists in the ELM of the Library it references."""
    by_url = _index(resources)
    defines_of: dict[str, set[str] | None] = {}
    found: list[Finding] = []
    for resource in resources:
        default = (resource.get("library") or [None])[0]
        for path, value in walk(resource):
            if not isinstance(value, dict) or value.get("language") != "text/cql-identifier":
                continue
            reference = value.get("reference") or default
            library = resolve(reference, by_url) if reference else None
            if library is None or library.get("resourceType") != "Library":
                found.append(Finding(ident(resource), path, f"no Library in the package for {reference!r}"))
                continue
            key = f"{library.get('url')}|{library.get('version')}"
            if key not in defines_of:
                defines_of[key] = library_defines(library)
            defines = defines_of[key]
            if defines is None:
                found.append(Finding(ident(resource), path, f"{ident(library)} carries no ELM"))
            elif value.get("expression") not in defines:
                found.append(Finding(ident(resource), f"{path}.expression", f"{value.get('expression')!r} is not a define of {ident(library)}"))
    return found


def _concept_codes(concepts: Iterable[Mapping[str, Any]]) -> set[str]:
    codes: set[str] = set()
    for concept in concepts:
        codes.add(concept["code"])
        codes |= _concept_codes(concept.get("concept") or [])
    return codes


def check_value_set_codes(resources: Sequence[Mapping[str, Any]], context: PackageContext) -> list[Finding]:
    """Each code a ValueSet includes from a package CodeSystem exists in that CodeSystem."""
    systems = {r["url"]: _concept_codes(r.get("concept") or []) for r in resources if r.get("resourceType") == "CodeSystem" and "url" in r}
    found: list[Finding] = []
    for resource in resources:
        if resource.get("resourceType") != "ValueSet":
            continue
        for i, include in enumerate((resource.get("compose") or {}).get("include") or []):
            system = include.get("system")
            if system not in systems:
                continue
            for j, concept in enumerate(include.get("concept") or []):
                if concept.get("code") not in systems[system]:
                    found.append(Finding(ident(resource), f"compose.include[{i}].concept[{j}].code", f"{concept.get('code')!r} is not a code of {system}"))
    return found


Check = Callable[[Sequence[Mapping[str, Any]], PackageContext], Union[list[Finding], Checked]]

#: Every validator, in the order the table shows them.
VALIDATORS: tuple[tuple[str, Check], ...] = (
    ("fhir.resources R4B", check_r4b),
    ("medplum R4", check_medplum),
    ("profiles", check_profiles),
    ("profile conformance", check_profile_conformance),
    ("canonicals", check_canonicals),
    ("cql identifiers", check_cql_identifiers),
    ("value set codes", check_value_set_codes),
)


def validate(resources: Sequence[Mapping[str, Any]], context: PackageContext, *, only: Iterable[str] | None = None) -> list[Report]:
    """Run every validator (or those named in `only`) over the resources."""
    wanted = set(only) if only is not None else None
    reports = []
    for name, check in VALIDATORS:
        if wanted is not None and name not in wanted:
            continue
        result = check(resources, context)
        if isinstance(result, Checked):
            reports.append(Report(name, result.checks, tuple(result.findings)))
        else:
            reports.append(Report(name, len(resources), tuple(result)))
    return reports


def report_table(reports: Sequence[Report]) -> Any:
    """The reports as a rich Table: validator, checks made, errors, warnings, first finding."""
    from rich.table import Table

    table = Table(title="call0603 package validation")
    for column in ("validator", "checks", "errors", "warnings", "first finding"):
        table.add_column(column)
    for r in reports:
        first = str(r.findings[0]) if r.findings else ""
        count = lambda n: f"[green]0[/green]" if n == 0 else f"[red]{n}[/red]"  # noqa: E731
        table.add_row(r.validator, str(r.checked), count(r.errors), count(r.warnings), first)
    return table
