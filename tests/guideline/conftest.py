"""Fixtures for guideline tests: a writable copy of guideline/ and a text-edit helper."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from call0603 import paths

Edit = Callable[[str, str, str], Path]


@pytest.fixture
def guideline_copy(tmp_path: Path) -> Path:
    """A copy of the repository's guideline/ folder that a test may change."""
    target = tmp_path / "guideline"
    shutil.copytree(paths.GUIDELINE, target)
    return target


@pytest.fixture
def edit(guideline_copy: Path) -> Edit:
    """Replace exactly one occurrence of `old` by `new` in `file` of the copy; returns the copy's folder."""

    def apply(file: str, old: str, new: str) -> Path:
        path = guideline_copy / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return guideline_copy

    return apply
