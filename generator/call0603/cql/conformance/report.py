"""The conformance report: counts per file and in total, each test's verdict, as JSON and as a printed table."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .evaluate import Outcome


@dataclass(frozen=True)
class FileResult:
    """One suite file's verdicts."""

    name: str
    outcomes: tuple[Outcome, ...]

    @property
    def passed(self) -> int:
        """How many tests of the file pass."""
        return sum(o.passed for o in self.outcomes)

    @property
    def total(self) -> int:
        """How many tests the file has."""
        return len(self.outcomes)

    @property
    def rate(self) -> float:
        """The passing share, 0..1 (1 for an empty file)."""
        return self.passed / self.total if self.total else 1.0


@dataclass(frozen=True)
class Report:
    """A whole run: the files' verdicts and how the run was made."""

    suite: str
    now: str
    translator: str
    files: tuple[FileResult, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        """Passing tests over all files."""
        return sum(f.passed for f in self.files)

    @property
    def total(self) -> int:
        """Tests over all files."""
        return sum(f.total for f in self.files)

    @property
    def rate(self) -> float:
        """The passing share over all files."""
        return self.passed / self.total if self.total else 1.0

    def failures(self) -> list[Outcome]:
        """Every failing test, file by file in suite order."""
        return [o for f in self.files for o in f.outcomes if not o.passed]

    def to_json(self) -> dict[str, Any]:
        """The JSON report: top-level `passed` and `total`, then per file its counts and every test's verdict."""
        return {
            "passed": self.passed,
            "total": self.total,
            "suite": self.suite,
            "now": self.now,
            "translator": self.translator,
            "notes": list(self.notes),
            "seconds": self.seconds,
            "files": {
                f.name: {
                    "passed": f.passed,
                    "total": f.total,
                    "tests": [dataclasses.asdict(o) for o in f.outcomes],
                }
                for f in self.files
            },
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Report:
        """Read back a report written by `to_json`."""
        files = tuple(
            FileResult(name, tuple(Outcome(**t) for t in body["tests"])) for name, body in raw["files"].items()
        )
        return cls(raw["suite"], raw["now"], raw["translator"], files, tuple(raw.get("notes", ())),
                   raw.get("seconds", 0.0))


def table_rows(report: Report) -> list[tuple[str, str, str, str]]:
    """(file, passed, total, percent) per file and a final total row."""
    rows = [(f.name, str(f.passed), str(f.total), f"{100 * f.rate:.1f}%") for f in report.files]
    rows.append(("Total", str(report.passed), str(report.total), f"{100 * report.rate:.1f}%"))
    return rows


def format_table(report: Report) -> str:
    """The pass/fail table as aligned plain text."""
    rows = [("File", "Passed", "Total", "Rate"), *table_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for position, row in enumerate(rows):
        if position in (1, len(rows) - 1):
            lines.append("  ".join("-" * w for w in widths))
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)
