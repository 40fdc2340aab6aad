"""Value-set membership answered from FHIR ValueSet resources (expansion, or compose with explicit concepts)."""

from __future__ import annotations

from typing import Any, Iterable

from ..datatypes.code import Code
from ..runtime.errors import CqlRuntimeError


class Terminology:
    """Value sets by canonical URL (`url` or `url|version`), each a set of (system, code) pairs."""

    def __init__(self, valuesets: dict[str, frozenset[tuple[str, str]]] | None = None) -> None:
        self._valuesets: dict[str, frozenset[tuple[str, str]]] = dict(valuesets or {})
        self._codes: dict[str, list[Code]] = {}

    @classmethod
    def from_resources(cls, resources: Iterable[dict[str, Any]]) -> Terminology:
        """Read ValueSet resources; a compose that needs a filter or a whole code system is refused."""
        terminology = cls()
        for resource in resources:
            if resource.get("resourceType") == "Bundle":
                for entry in resource.get("entry") or ():
                    if (entry.get("resource") or {}).get("resourceType") == "ValueSet":
                        terminology.add(entry["resource"])
            elif resource.get("resourceType") == "ValueSet":
                terminology.add(resource)
        return terminology

    def add(self, valueset: dict[str, Any]) -> None:
        """Add one ValueSet resource (its expansion when present, else its compose)."""
        url = valueset.get("url")
        if not url:
            raise CqlRuntimeError(f"ValueSet {valueset.get('id')!r} has no url")
        if valueset.get("expansion") is not None:
            members = frozenset(_expansion(valueset["expansion"].get("contains") or ()))
        elif valueset.get("compose") is not None:
            members = frozenset(_compose(valueset["compose"], url))
        else:
            raise CqlRuntimeError(f"ValueSet {url} has neither an expansion nor a compose")
        self._valuesets[url] = members
        if valueset.get("version"):
            self._valuesets[f"{url}|{valueset['version']}"] = members

    def members(self, url: str, version: str | None = None) -> frozenset[tuple[str, str]]:
        """The (system, code) pairs of a value set; an unknown value set is an error, never an empty set."""
        key = f"{url}|{version}" if version else url
        found = self._valuesets.get(key)
        if found is None:
            found = self._valuesets.get(url)
        if found is None:
            raise CqlRuntimeError(f"value set {key} is not known to the terminology")
        return found

    def expand(self, url: str, version: str | None = None) -> list[Code]:
        """The value set's codes as CQL Codes (for ExpandValueSet and value sets used as lists)."""
        key = f"{url}|{version or ''}"
        codes = self._codes.get(key)
        if codes is None:
            codes = [Code(code, system) for system, code in sorted(self.members(url, version))]
            self._codes[key] = codes
        return codes

    def __contains__(self, url: str) -> bool:
        return url in self._valuesets


def _expansion(contains: Iterable[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    for item in contains:
        if item.get("code") is not None and item.get("system") is not None:
            yield (item["system"], item["code"])
        yield from _expansion(item.get("contains") or ())


def _compose(compose: dict[str, Any], url: str) -> set[tuple[str, str]]:
    included: set[tuple[str, str]] = set()
    for part, into in (("include", True), ("exclude", False)):
        for block in compose.get(part) or ():
            if block.get("filter") or block.get("valueSet") or not block.get("concept"):
                raise CqlRuntimeError(
                    f"ValueSet {url}: only a compose with explicit concepts can be used without an expansion")
            pairs = {(block["system"], c["code"]) for c in block["concept"]}
            if into:
                included |= pairs
            else:
                included -= pairs
    return included
