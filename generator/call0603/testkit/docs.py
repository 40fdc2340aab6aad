"""The generated parts of docs/test-kit.md: the scenario table, the report-field-to-define map, the divergences."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from .. import paths
from .divergences import LISTED
from .scenarios import SCENARIOS

DOC = paths.REPO / "docs" / "test-kit.md"
_BLOCK = re.compile(r"(<!-- (?P<name>[a-z-]+):start -->\n)(?:.*?\n)?(<!-- (?P=name):end -->)", re.S)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _expect(expect: Mapping[str, object]) -> str:
    return ", ".join(f"`{path}` = {'null' if v is None else v}" for path, v in expect.items())


def scenario_table() -> str:
    """One row per scenario: what it proves, the rule or boundary, the source, as-of day, the demanded values."""
    rows = ["| case | proves | rule / boundary | source | as of (day) | the spec demands |", "|---|---|---|---|---|---|"]
    rows += [f"| `{s.name}` | {_cell(s.proves)} | {_cell(s.rule)} | {_cell(s.source)} | {s.as_of} | "
             f"{_cell(_expect(s.expect))} |" for s in SCENARIOS]
    return "\n".join(rows)


def define_table(report_defines: Mapping[str, str]) -> str:
    """Which define of the main Library gives each report field (for engines without this report layer)."""
    rows = ["| report field (`expect` path) | define |", "|---|---|"]
    rows += [f"| `{field}` | `{define}` |" for field, define in report_defines.items()]
    return "\n".join(rows)


def divergence_table() -> str:
    """The defines where cql-execution departs from the specification, with the departures that account for it."""
    rows = ["| define | departure |", "|---|---|"]
    rows += [f"| `{define}` | {', '.join(d.name for d in departures)} |" for define, departures in LISTED.items()]
    return "\n".join(rows)


def rendered(text: str, blocks: Mapping[str, str]) -> str:
    """The document with each generated block replaced by its fresh content (other text untouched)."""
    return _BLOCK.sub(lambda m: f"{m.group(1)}{blocks[m.group('name')]}\n{m.group(3)}"
                      if m.group("name") in blocks else m.group(0), text)


def blocks(report_defines: Mapping[str, str]) -> dict[str, str]:
    """Every generated block of the document, by name."""
    return {"scenarios": scenario_table(), "defines": define_table(report_defines), "divergences": divergence_table()}


def update_doc(report_defines: Mapping[str, str], doc: Path = DOC) -> None:
    """Rewrite the generated blocks of docs/test-kit.md in place."""
    doc.write_text(rendered(doc.read_text(encoding="utf-8"), blocks(report_defines)), encoding="utf-8")
