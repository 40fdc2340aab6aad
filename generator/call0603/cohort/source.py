"""Where an export's NDJSON files are read from: a folder path (the standard library's files) or a URL read through
fsspec (`s3://…`, `gs://…`, `file://…`, `memory://…`), the same way by the main process and by every worker.

fsspec is imported only for a URL, so a run over a local folder does not load it. A URL whose fsspec backend is not
installed, that fsspec does not know, that names nothing or that cannot be read is a refusal naming it, never a
traceback; while the files are read, what a backend raises (its own exception types) is a read failure of that file.
"""

from __future__ import annotations

import gzip
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from ..evaluator.inputs import NDJSON_SUFFIXES, READ_ERRORS, InputRefused, ndjson_files, unreadable

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: What the extra that brings fsspec is called, for the refusal when it is missing.
FSSPEC_EXTRA = "pip install 'call0603[dask]'"


def is_url(location: str | Path) -> bool:
    """A location written as a URL (`protocol://…`), read through fsspec; a path is not."""
    return isinstance(location, str) and _URL.match(location) is not None


@dataclass(frozen=True)
class InputFile:
    """One NDJSON file of an export: where it is (a path or URL), its name, its size in bytes, and a stamp that changes
    when the file does (the modification time of a path; the backend's key of a URL: an ETag, a checksum)."""

    location: str
    name: str
    size: int
    stamp: int | str

    @property
    def gzip(self) -> bool:
        """Whether the file is gzip-compressed."""
        return gzipped(self.name)


def gzipped(name: str) -> bool:
    """Whether a file (a name, a path or a URL) is gzip-compressed, by its name, as Bulk Data names them."""
    return name.endswith(".gz")


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem that serves a URL and the path within it; a refusal when fsspec or the backend is missing."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise InputRefused(url, f"reading a URL needs fsspec, which is not installed: {FSSPEC_EXTRA}") from None
    match = _URL.match(url)
    protocol = match.group(1) if match else url
    try:
        return url_to_fs(url)
    except ImportError as e:
        raise InputRefused(url, f"the fsspec backend for {protocol}:// is not installed ({e})") from None
    except ValueError as e:
        raise InputRefused(url, f"{protocol}:// is not a protocol fsspec knows ({e})") from None
    except Exception as e:  # a backend's own failure to start (credentials, options) is the URL's refusal
        raise InputRefused(url, f"cannot be opened ({type(e).__name__}: {e})") from None


def read_failures(location: str) -> tuple[type[BaseException], ...]:
    """What reading a file can raise when the file, not the program, is at fault: a backend raises its own types."""
    return (Exception,) if is_url(location) else READ_ERRORS


def _url_files(url: str) -> list[InputFile]:
    fs, root = _filesystem(url)
    try:
        if not fs.isdir(root):
            raise InputRefused(url, "not a folder of NDJSON files" if fs.exists(root) else "no such folder")
        entries = sorted(fs.ls(root, detail=True), key=lambda e: e["name"])
    except InputRefused:
        raise
    except Exception as e:
        raise InputRefused(url, unreadable(e)) from None
    files = []
    for entry in entries:
        name = entry["name"].rstrip("/").rsplit("/", 1)[-1]
        if not name.endswith(NDJSON_SUFFIXES):
            continue
        location = f"{url.rstrip('/')}/{name}"
        if entry.get("type") != "file":
            raise InputRefused(location, "is a folder, not an NDJSON file")
        try:
            stamp = fs.ukey(entry["name"])
        except Exception as e:
            raise InputRefused(location, unreadable(e)) from None
        files.append(InputFile(location, name, int(entry.get("size") or 0), stamp))
    if not files:
        raise InputRefused(url, "no .ndjson or .ndjson.gz files in the folder")
    return sorted(files, key=lambda f: f.name)


def export_files(export: str | Path) -> list[InputFile]:
    """The export's NDJSON files (plain or gzip) in name order; a folder with none, a folder named like one, or a
    location that names nothing or cannot be read is refused."""
    if is_url(export):
        return _url_files(str(export))
    folder = Path(export)
    if not folder.is_dir():
        raise InputRefused(folder, "not a folder of NDJSON files")
    files = []
    for path in ndjson_files(folder):
        stat = path.stat()
        files.append(InputFile(str(path), path.name, stat.st_size, stat.st_mtime_ns))
    return files


def local_path(export: str | Path) -> Path | None:
    """The local folder an export is (a path, or a `file://` URL), or None for any other URL."""
    if not is_url(export):
        return Path(export)
    if str(export).startswith("file://"):
        return Path(_filesystem(str(export))[1])
    return None


@contextmanager
def open_binary(location: str) -> Iterator[BinaryIO]:
    """A file opened for reading bytes, seekable: a path with `open`, a URL through fsspec."""
    if not is_url(location):
        with open(location, "rb") as f:
            yield f
        return
    fs, path = _filesystem(location)
    with fs.open(path, "rb") as f:
        yield f


@contextmanager
def open_lines(location: str, compressed: bool) -> Iterator[BinaryIO]:
    """A file opened for reading its lines, decompressed when gzip."""
    with open_binary(location) as raw:
        if not compressed:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as f:
            yield f
