"""Errors in the guideline source, each naming the file, the path in the document, the line and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

PathPart = str | int


def format_path(path: Sequence[PathPart]) -> str:
    """`('agents', 2, 'dose')` → `agents[2].dose`; the empty path is the document itself (`(document)`)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file of `guideline/`."""

    file: Path
    path: tuple[PathPart, ...]
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {format_path(self.path)}: {self.message}"


class GuidelineError(ValueError):
    """The guideline source is unusable; `problems` lists every problem found, in file and path order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("GuidelineError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> Path:
        """The file of the first problem."""
        return self.problems[0].file

    @property
    def path(self) -> tuple[PathPart, ...]:
        """The path in the document of the first problem."""
        return self.problems[0].path

    @property
    def message(self) -> str:
        """What is wrong, for the first problem."""
        return self.problems[0].message
