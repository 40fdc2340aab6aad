"""CQL → ELM through the reference translator (@cqframework/cql 5.3.0), one node process per batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .node import run_json

#: The CQL IG's recommended translator options but annotations, plus result types so the engine resolves types
#: at load time. Annotations repeat the CQL source node by node; the Library already carries that source as
#: text/cql, and without them each Library's ELM fits the 1 MiB a FHIR string may hold on servers such as medplum.
PACKAGE_OPTIONS = (
    "EnableLocators",
    "EnableResultTypes",
    "DisableListDemotion",
    "DisableListPromotion",
)


@dataclass(frozen=True)
class Message:
    """One translator error or warning, with its place in the CQL source."""

    message: str
    severity: str
    line: int | None = None
    char: int | None = None

    def __str__(self) -> str:
        where = f"{self.line}:{self.char}: " if self.line is not None else ""
        return f"{where}{self.severity}: {self.message}"


@dataclass(frozen=True)
class Translation:
    """The ELM of one library (None when it has errors) with the translator's messages."""

    name: str
    elm: dict[str, Any] | None
    errors: tuple[Message, ...] = field(default_factory=tuple)
    warnings: tuple[Message, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        """True when the translation has neither errors nor warnings (the package's bar)."""
        return self.elm is not None and not self.errors and not self.warnings


def _messages(raw: Iterable[Mapping[str, Any]]) -> tuple[Message, ...]:
    return tuple(Message(m["message"], m.get("severity") or "error", m.get("line"), m.get("char")) for m in raw)


def translate(
    sources: Mapping[str, str],
    names: Iterable[str] | None = None,
    *,
    options: Iterable[str] = PACKAGE_OPTIONS,
    signature_level: str = "Overloads",
    timeout: float | None = 600,
) -> dict[str, Translation]:
    """Translate `names` (default: every source); any source may be included by another by its name."""
    request = {
        "sources": dict(sources),
        "translate": list(names) if names is not None else list(sources),
        "options": list(options),
        "signatureLevel": signature_level,
    }
    answer = run_json("translate.mjs", request, timeout=timeout)
    return {
        name: Translation(name, r["elm"], _messages(r["errors"]), _messages(r["warnings"]))
        for name, r in answer.items()
    }
