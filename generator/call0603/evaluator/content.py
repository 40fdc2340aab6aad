"""Knowledge content for a general `$apply`: the resources of a package folder, an NPM `.tgz` or a Bundle, indexed by
canonical URL, and their CQL Libraries translated (pinned translator) and compiled once."""

from __future__ import annotations

import base64
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..cql import Engine, Terminology
from ..cql.runtime.errors import ElmLoadError
from ..authoring.cql import FHIRHELPERS_SOURCE
from ..translator import translate

CQL_TYPE = "text/cql"
ELM_TYPE = "application/elm+json"
FHIRHELPERS_CQL = FHIRHELPERS_SOURCE


class ContentError(RuntimeError):
    """The content cannot be read (names the file and why)."""


def _resources_of(document: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(document, dict) or "resourceType" not in document:
        return
    if document["resourceType"] == "Bundle":
        for entry in document.get("entry") or ():
            yield from _resources_of(entry.get("resource"))
        return
    yield document


def _json(raw: bytes, source: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise ContentError(f"{source}: not JSON ({e})") from None


def _inline(resource: dict[str, Any], folder: Path) -> dict[str, Any]:
    """A Library whose content names a relative file (`"url": "../cql/X.cql"`) with that file's bytes as its data."""
    if resource.get("resourceType") != "Library":
        return resource
    content = []
    for item in resource.get("content") or ():
        url = item.get("url", "")
        if "data" not in item and url and "://" not in url and (folder / url).is_file():
            item = {**item, "data": base64.b64encode((folder / url).read_bytes()).decode("ascii")}
        content.append(item)
    return {**resource, "content": content}


def read_resources(path: Path) -> list[dict[str, Any]]:
    """Every resource of a folder (its .json files, recursively), an NPM package .tgz, or one JSON file (a Bundle's
    entries, or one resource)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.name not in ("package.json", ".index.json"))
        return [_inline(r, f.parent) for f in files for r in _resources_of(_json(f.read_bytes(), str(f)))]
    if path.name.endswith((".tgz", ".tar.gz")):
        found: list[dict[str, Any]] = []
        with tarfile.open(path, "r:gz") as archive:
            for member in sorted(archive.getmembers(), key=lambda m: m.name):
                name = member.name.rpartition("/")[2]
                if member.isfile() and name.endswith(".json") and name not in ("package.json", ".index.json"):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        found += _resources_of(_json(handle.read(), f"{path}:{member.name}"))
        return found
    if not path.exists():
        raise ContentError(f"{path}: no such file or folder")
    return [_inline(r, path.parent) for r in _resources_of(_json(path.read_bytes(), str(path)))]


def canonical(resource: dict[str, Any]) -> str:
    """`url|version` of a knowledge resource (the url alone when it has no version)."""
    return f"{resource['url']}|{resource['version']}" if resource.get("version") else resource["url"]


@dataclass
class Content:
    """Knowledge resources by canonical (`url` and `url|version`) and by `Type/id`, and their compiled CQL."""

    resources: list[dict[str, Any]]
    by_canonical: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_reference: dict[str, dict[str, Any]] = field(default_factory=dict)
    _engine: Engine | None = None
    _translated: bool = False
    #: Why a Library could not be translated or compiled, by Library name.
    library_errors: dict[str, str] = field(default_factory=dict)
    _sources: dict[str, str] = field(default_factory=dict)
    _elm: dict[str, Any] = field(default_factory=dict)
    _inline: dict[tuple[str | None, str], tuple[Engine | None, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, resources: Iterable[dict[str, Any]]) -> Content:
        """Index resources (a later one with the same canonical replaces an earlier one)."""
        content = cls(list(resources))
        for r in content.resources:
            if r.get("id"):
                content.by_reference[f"{r['resourceType']}/{r['id']}"] = r
            if r.get("url"):
                content.by_canonical[r["url"]] = r
                content.by_canonical[canonical(r)] = r
        return content

    @classmethod
    def read(cls, paths: Iterable[Path]) -> Content:
        """The content of folders, packages and Bundles, in order."""
        return cls.of(r for p in paths for r in read_resources(p))

    def resolve(self, reference: str, of_type: str | None = None) -> dict[str, Any] | None:
        """A resource by canonical (`url`, `url|version`) or by `Type/id`."""
        found = self.by_canonical.get(reference) or self.by_reference.get(reference)
        if found is None and "|" in reference:
            found = self.by_canonical.get(reference.partition("|")[0])
        if found is None and of_type and "/" not in reference:
            found = self.by_reference.get(f"{of_type}/{reference}")
        if found is not None and of_type and found.get("resourceType") != of_type:
            return None
        return found

    def terminology(self) -> Terminology:
        """The content's ValueSets (their expansions) as the engine's terminology."""
        return Terminology.from_resources([r for r in self.resources if r.get("resourceType") == "ValueSet"])

    def library_name(self, reference: str) -> str | None:
        """The CQL name of a Library given by canonical."""
        library = self.resolve(reference, "Library")
        return library.get("name") if library else None

    def engine(self) -> Engine | None:
        """Every Library's CQL translated with the pinned translator (ELM content used as it is) and compiled."""
        if self._translated:
            return self._engine
        self._translated = True
        sources: dict[str, str] = {}
        elm: dict[str, Any] = {}
        for library in (r for r in self.resources if r.get("resourceType") == "Library"):
            name = library.get("name") or library.get("id")
            for item in library.get("content") or ():
                if "data" not in item:
                    continue
                if item.get("contentType") == ELM_TYPE:
                    elm[name] = orjson.loads(base64.b64decode(item["data"]))
                elif item.get("contentType") == CQL_TYPE and name not in sources:
                    sources[name] = base64.b64decode(item["data"]).decode("utf-8")
        if sources:
            sources.setdefault("FHIRHelpers", FHIRHELPERS_CQL.read_text(encoding="utf-8"))
            wanted = [n for n in sources if n not in elm]
            for name, result in translate(sources, wanted).items():
                if result.errors:
                    self.library_errors[name] = "; ".join(str(m) for m in result.errors)
                else:
                    elm[name] = result.elm
        self._sources = sources
        usable = dict(elm)
        while usable:
            try:
                self._engine = Engine(usable.values())
                break
            except ElmLoadError as error:
                broken = next((n for n in usable if f"'{n}'" in str(error) or f"{n}|" in str(error)), None)
                if broken is None:
                    self.library_errors.update({n: str(error) for n in usable})
                    break
                self.library_errors[broken] = str(error)
                usable.pop(broken)
        self._elm = usable
        return self._engine

    def expression_engine(self, library: str | None, text: str) -> tuple[Engine | None, str]:
        """(an Engine, the name of its library) evaluating one CQL expression (`text/cql-expression`) as the define
        `Expression` of a library that includes `library` under its own name; (None, why) when it cannot."""
        key = (library, text)
        if key in self._inline:
            return self._inline[key]
        self.engine()
        name = f"InlineExpression{len(self._inline) + 1}"
        header = f"library {name} version '0'\nusing FHIR version '4.0.1'\ninclude FHIRHelpers version '4.0.1'\n"
        if library is not None:
            if library not in self._elm:
                self._inline[key] = (None, f"Library {library} cannot be run")
                return self._inline[key]
            version = self._elm[library]["library"]["identifier"].get("version")
            header += f"include \"{library}\"" + (f" version '{version}'" if version else "") + f" called \"{library}\"\n"
        source = f"{header}context Patient\ndefine \"Expression\": {text}\n"
        sources = {**self._sources, name: source}
        sources.setdefault("FHIRHelpers", FHIRHELPERS_CQL.read_text(encoding="utf-8"))
        translated = translate(sources, [name, *(n for n in ("FHIRHelpers",) if n not in self._elm)])
        result = translated[name]
        if result.errors:
            self._inline[key] = (None, "; ".join(str(m) for m in result.errors))
            return self._inline[key]
        extra = {n: r.elm for n, r in translated.items() if not r.errors}
        try:
            self._inline[key] = (Engine({**self._elm, **extra}.values()), name)
        except ElmLoadError as error:
            self._inline[key] = (None, str(error))
        return self._inline[key]
