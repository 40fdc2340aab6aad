"""Batch translation of the suite's libraries, cached on disk by a digest of the CQL and the translator."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import orjson

from ...paths import REPO, TOOLS
from ...translator import Message, Translation, translate

#: The package's translator options, without annotations (the engine never reads them; they triple the ELM).
SUITE_OPTIONS = ("EnableLocators", "EnableResultTypes", "DisableListDemotion", "DisableListPromotion")
SIGNATURE_LEVEL = "Overloads"
DEFAULT_CACHE = REPO / ".cache" / "cql-conformance"


def translator_fingerprint(options: tuple[str, ...] = SUITE_OPTIONS) -> str:
    """What a cached translation depends on besides its CQL: translator version, bridge script, options."""
    package = TOOLS / "node_modules" / "@cqframework" / "cql" / "package.json"
    version = json.loads(package.read_text(encoding="utf-8"))["version"] if package.exists() else "unknown"
    script = hashlib.sha256((TOOLS / "translate.mjs").read_bytes()).hexdigest()
    return f"@cqframework/cql {version}; translate.mjs {script[:16]}; {','.join(options)}; {SIGNATURE_LEVEL}"


@dataclass
class TranslationCache:
    """Translations on disk, one JSON file per digest of (fingerprint, CQL text); hits and misses counted."""

    folder: Path
    fingerprint: str
    hits: int = 0
    misses: int = 0

    def key(self, text: str) -> str:
        """The digest a library's translation is stored under."""
        return hashlib.sha256(f"{self.fingerprint}\n{text}".encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, name: str, text: str) -> Translation | None:
        """The stored translation of `text`, or None."""
        path = self._path(self.key(text))
        try:
            raw = orjson.loads(path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            self.misses += 1
            return None
        self.hits += 1
        return _from_json(name, raw)

    def put(self, text: str, translation: Translation) -> None:
        """Store atomically (write then rename), so concurrent runs never read half a file."""
        path = self._path(self.key(text))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(orjson.dumps(_to_json(translation)))
        partial.replace(path)


def _to_json(translation: Translation) -> dict:
    return {
        "elm": translation.elm,
        "errors": [dataclasses.asdict(m) for m in translation.errors],
        "warnings": [dataclasses.asdict(m) for m in translation.warnings],
    }


def _from_json(name: str, raw: dict) -> Translation:
    return Translation(
        name,
        raw["elm"],
        tuple(Message(**m) for m in raw["errors"]),
        tuple(Message(**m) for m in raw["warnings"]),
    )


def _chunks(names: list[str], count: int) -> list[list[str]]:
    return [chunk for chunk in (names[i::count] for i in range(count)) if chunk]


def translate_cached(
    sources: Mapping[str, str],
    cache: TranslationCache | None,
    *,
    processes: int = 1,
    options: tuple[str, ...] = SUITE_OPTIONS,
) -> dict[str, Translation]:
    """Translate every source (name → CQL), from the cache where possible, the rest in `processes` node runs."""
    done: dict[str, Translation] = {}
    missing: list[str] = []
    for name, text in sources.items():
        hit = cache.get(name, text) if cache is not None else None
        if hit is None:
            missing.append(name)
        else:
            done[name] = hit
    if missing:
        batches = _chunks(missing, max(1, processes))
        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            answers = pool.map(
                lambda batch: translate({n: sources[n] for n in batch}, batch, options=options, signature_level=SIGNATURE_LEVEL),
                batches,
            )
            for answer in answers:
                for name, translation in answer.items():
                    done[name] = translation
                    if cache is not None:
                        cache.put(sources[name], translation)
    return done
