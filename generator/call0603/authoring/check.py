"""Stale-artifact detection: which committed files differ from what the build would write now."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .write import owned_files


@dataclass(frozen=True)
class Difference:
    """One file that is not what the build would write: `differs`, `missing`, or `not generated` (stale)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _same(path: str, expected: bytes, actual: bytes) -> bool:
    if expected == actual:
        return True
    if path.endswith(".tgz"):
        # The gzip layer may differ between zlib builds; what the package holds is the tar stream inside.
        try:
            return gzip.decompress(expected) == gzip.decompress(actual)
        except OSError:
            return False
    return False


def find_differences(files: Mapping[str, bytes], root: Path) -> list[Difference]:
    """Compare the build's `files` with what is on disk under `root`; empty when everything is up to date."""
    found: list[Difference] = []
    for path, data in sorted(files.items()):
        target = root / path
        if not target.is_file():
            found.append(Difference(path, "missing"))
        elif not _same(path, data, target.read_bytes()):
            found.append(Difference(path, "differs"))
    found.extend(Difference(path, "not generated") for path in sorted(owned_files(root) - set(files)))
    return found
