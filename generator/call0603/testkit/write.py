"""Writing the kit's case folders (`tests/CALL0603Reinduction/<case>/`) deterministically, and reading them back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping

import yaml

from .. import paths
from .scenarios import Scenario

#: The kit's folder: one sub-folder per case.
KIT = paths.REPO / "tests" / "CALL0603Reinduction"
BUNDLE, CASE, ASSESSMENT, CAREPLAN = "bundle.json", "case.yaml", "expected-assessment.json", "expected-careplan.json"


@dataclass(frozen=True)
class Case:
    """One case folder as read: its parameters, hand-written expectations, and expected files."""

    folder: Path
    name: str
    subject: str
    start: date | None
    as_of: date
    expect: Mapping[str, Any]
    ignored: tuple[str, ...]

    @property
    def bundle(self) -> Path:
        """The patient's Bundle."""
        return self.folder / BUNDLE

    def expected(self, file: str) -> Any:
        """An expected file's JSON, or None when it has not been written."""
        path = self.folder / file
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def dump_json(document: Any) -> str:
    """The kit's JSON form: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def case_document(s: Scenario) -> dict[str, Any]:
    """The case.yaml content: $apply parameters, what the case proves, and the values the spec demands."""
    return {
        "name": s.name,
        "subject": f"Patient/{s.subject}",
        "start": s.start.isoformat() if s.start else None,
        "asOf": s.as_of_date.isoformat(),
        "proves": s.proves,
        "rule": s.rule,
        "source": s.source,
        "expect": dict(s.expect),
        "ignored": list(s.ignored),
    }


def case_yaml(s: Scenario) -> str:
    """case.yaml as text (keys in the order above)."""
    return yaml.safe_dump(case_document(s), sort_keys=False, allow_unicode=True, width=120)


def scenario_files(s: Scenario) -> dict[str, str]:
    """The files a scenario defines by itself (its bundle and case.yaml), by file name."""
    return {BUNDLE: dump_json(s.bundle()), CASE: case_yaml(s)}


def write_scenario(s: Scenario, kit: Path = KIT) -> Path:
    """Write a scenario's bundle.json and case.yaml; returns its folder."""
    folder = kit / s.name
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in scenario_files(s).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_expected(folder: Path, assessment: Any, careplan: Any) -> None:
    """Write a case's expected assessment and `$apply` CarePlan."""
    (folder / ASSESSMENT).write_text(dump_json(assessment), encoding="utf-8")
    (folder / CAREPLAN).write_text(dump_json(careplan), encoding="utf-8")


def read_case(folder: Path) -> Case:
    """Read a case folder's case.yaml."""
    doc = yaml.safe_load((folder / CASE).read_text(encoding="utf-8"))
    return Case(
        folder=folder,
        name=doc["name"],
        subject=doc["subject"],
        start=date.fromisoformat(doc["start"]) if doc.get("start") else None,
        as_of=date.fromisoformat(doc["asOf"]),
        expect=doc.get("expect") or {},
        ignored=tuple(doc.get("ignored") or ()),
    )


def read_kit(kit: Path = KIT) -> list[Case]:
    """Every case folder of the kit, by name."""
    return [read_case(f) for f in sorted(kit.iterdir()) if (f / CASE).exists()]
