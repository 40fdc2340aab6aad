"""Where the command line writes: an output path is checked before any work and written whole, and the input is never
written (an output path that is the input, or inside the input folder, is refused)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterable

from .inputs import InputRefused


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


def refuse_input_overlap(out: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output path that is an input, or lies inside an input folder (the input is never written)."""
    target = out.resolve()
    for source in inputs:
        held = source.resolve()
        if target == held:
            raise InputRefused(out, "is the input itself; the input is never written: choose another output path")
        if source.is_dir() and held in target.parents:
            raise InputRefused(out, f"is inside the input folder {source}; the input is never written: choose another output path")


def check_output_file(out: Path, inputs: Iterable[Path] = ()) -> None:
    """An output file's folder must exist and be a folder; the file must not be a folder or an input."""
    refuse_input_overlap(out, inputs)
    if out.is_dir():
        raise InputRefused(out, "is a folder; give a file name")
    folder = out.parent
    if not folder.exists():
        raise InputRefused(out, f"cannot be written: no such folder {folder}")
    if not folder.is_dir():
        raise InputRefused(out, f"cannot be written: {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise InputRefused(out, f"cannot be written: the folder {folder} is read-only")


def check_output_folder(out: Path, inputs: Iterable[Path] = ()) -> None:
    """An output folder must not be a file or an input, and must be (or be creatable in) a writable folder."""
    refuse_input_overlap(out, inputs)
    if out.exists() and not out.is_dir():
        raise InputRefused(out, "is a file, not a folder")
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise InputRefused(out, f"cannot be created: {existing} is not a folder")
    if existing is not None and not os.access(existing, os.W_OK):
        raise InputRefused(out, f"cannot be written: the folder {existing} is read-only")


def make_folder(out: Path) -> None:
    """Create an output folder (and its parents); a failure is a refusal naming it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputRefused(out, f"cannot be created ({_why(e)})") from None


def write_file(out: Path, text: str) -> None:
    """Write a text file whole or not at all (a temporary file beside it, renamed); a failure is a refusal naming it."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputRefused(out, f"cannot be written ({_why(e)})") from None
