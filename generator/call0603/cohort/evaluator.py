"""Which per-patient function a cohort run uses, built once per process and named by its module so workers can load it."""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .. import paths

#: The package's evaluator: the module with `assess_patient` and `load_context`.
DEFAULT_EVALUATOR = "call0603.evaluator.assess"

AssessFn = Callable[..., dict]


@dataclass(frozen=True)
class LoadedEvaluator:
    """A per-patient function with its compiled context, and the hash that identifies the compiled library."""

    module: str
    assess: AssessFn
    context: Any
    library_hash: str

    def __call__(self, patient: Any, start: _dt.date | None, as_of: _dt.date) -> dict:
        """The assessment of one patient (raises InputRefused when the patient's data cannot be used)."""
        return self.assess(patient, start=start, as_of=as_of, context=self.context)


_LOADED: dict[tuple[str, Path | None], LoadedEvaluator] = {}
_LOADING = threading.Lock()


def files_hash(folder: Path) -> str:
    """A sha256 over every file below a folder (relative path and bytes), in path order."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def _library_hash(module: Any, context: Any) -> str:
    """The module's own `library_hash(context)` when it has one, else the hash of the compiled `library/` folder."""
    own = getattr(module, "library_hash", None)
    if callable(own):
        return str(own(context))
    for attribute in ("library_hash", "sha256"):
        value = getattr(context, attribute, None)
        if isinstance(value, str) and value:
            return value if ":" in value else f"sha256:{value}"
    return files_hash(paths.LIBRARY)


def load_evaluator(module_name: str = DEFAULT_EVALUATOR, package: Path | None = None) -> LoadedEvaluator:
    """The named evaluator module loaded and its context compiled from `package` (default: the installed package),
    once per process (cached by module name and package)."""
    with _LOADING:
        loaded = _LOADED.get((module_name, package))
        if loaded is None:
            module = importlib.import_module(module_name)
            context = module.load_context() if package is None else module.load_context(package)
            loaded = LoadedEvaluator(module_name, module.assess_patient, context, _library_hash(module, context))
            _LOADED[(module_name, package)] = loaded
    return loaded
