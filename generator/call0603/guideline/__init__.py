"""The guideline source (`guideline/*.yaml`): read strictly, validated by its JSON Schema and rules, typed.

`load_guideline(path)` returns a `Guideline` (see `model.py`) or raises `GuidelineError`, whose `problems` each
name the file, the path in the document (`agents[2].dose.value`), the line and what is wrong.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .. import paths
from .checks import check_document
from .convert import to_guideline
from .errors import GuidelineError, Problem, format_path
from .model import Guideline

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

    from .source import SourceFile

__all__ = ["GuidelineError", "Guideline", "Problem", "SCHEMA_PATH", "load_document", "load_guideline", "format_path"]

#: The schema is the loader's contract: it is always read from the repository, whatever folder is loaded.
SCHEMA_PATH = paths.GUIDELINE / "guideline.schema.json"


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _problem(files: Mapping[str, SourceFile], folder: Path, where: tuple[Any, ...], message: str) -> Problem:
    if where and where[0] in files:
        source = files[where[0]]
        return Problem(source.path, tuple(where[1:]), message, source.line_of(where[1:]))
    return Problem(folder, tuple(where), message)


def load_document(path: Path | str = paths.GUIDELINE) -> dict[str, Any]:
    """The validated guideline document: one key per file of `path` (package, settings, regimen, …)."""
    from .source import PARTS, read_folder

    folder = Path(path)
    files = read_folder(folder)
    doc = {part: files[part].data for part in PARTS}
    errors = sorted(_validator().iter_errors(doc), key=lambda e: (PARTS.index(e.absolute_path[0]) if e.absolute_path else -1, [str(p) for p in e.absolute_path]))
    if errors:
        raise GuidelineError(_problem(files, folder, tuple(e.absolute_path), e.message) for e in errors)
    findings = check_document(doc)
    if findings:
        raise GuidelineError(_problem(files, folder, (part, *where), message) for part, where, message in findings)
    return doc


def load_guideline(path: Path | str = paths.GUIDELINE) -> Guideline:
    """The typed guideline of folder `path` (default: the repository's `guideline/`)."""
    return to_guideline(load_document(path))
