"""Generated code compiled once per machine: the Python code objects of a library's generated functions, kept in a
file under the hash of their source, so that a later process loading the same library skips Python's compiler
(about 40% of loading the package). The source names every value it uses, so the same source is the same code.

The folder is `$CALL0603_CODE_CACHE` (`off`: none), else `$XDG_CACHE_HOME/call0603/code`, else
`~/.cache/call0603/code`; one file per library and Python version. A cache that cannot be read or written is no
cache: loading compiles as it would without one, never fails because of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from types import CodeType

#: The environment variable naming the cache folder (or `off`).
CACHE_ENV = "CALL0603_CODE_CACHE"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cache_folder() -> Path | None:
    """Where code caches are kept, None when caching is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "call0603" / "code"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no home directory known (a bare container): no cache
        return None
    return home / ".cache" / "call0603" / "code"


class CodeCache:
    """The compiled generated functions of one library: read from its file on first use, written back once the
    library is compiled (with only the functions this compilation used) when anything had to be compiled."""

    def __init__(self, library_key: str, folder: Path | None = None) -> None:
        folder = cache_folder() if folder is None else folder
        name = f"{_UNSAFE.sub('_', library_key)}-{sys.implementation.cache_tag}-{sys.hexversion:x}.marshal"
        self.path = None if folder is None else folder / name
        self._known: dict[bytes, CodeType] | None = None
        self._used: dict[bytes, CodeType] = {}
        self.compiled = 0

    def compile(self, source: str, filename: str) -> CodeType:
        """The code of one generated function's source: the cached one, else freshly compiled."""
        digest = hashlib.blake2b(f"{filename}\0{source}".encode(), digest_size=16).digest()
        code = self._load().get(digest)
        if code is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)  # `5 is None` where an operand is a literal: meant
                code = compile(source, filename, "exec")
            self.compiled += 1
        self._used[digest] = code
        return code

    def save(self) -> None:
        """Write the functions used back, when some were not in the file (atomically; failures ignored)."""
        if self.path is None or not self.compiled:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, written = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps(self._used))
            os.replace(written, self.path)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(written)

    def _load(self) -> dict[bytes, CodeType]:
        if self._known is None:
            self._known = {}
            if self.path is not None:
                try:
                    known = marshal.loads(self.path.read_bytes())
                except (OSError, EOFError, ValueError, TypeError):
                    known = None
                if isinstance(known, dict) and all(type(k) is bytes and type(v) is CodeType for k, v in known.items()):
                    self._known = known
        return self._known
