"""The code cache: a second load of a library compiles nothing, and a cache that is damaged, unwritable or off
changes nothing but the time."""

from __future__ import annotations

from pathlib import Path

import pytest

from call0603.cql.runtime.codecache import CACHE_ENV, CodeCache, cache_folder
from engine_kit import engine, library

CQL = """
define function Twice(n Integer): n * 2
define "Four": Twice(2)
define "Listed": ({1, 2, 3}) X where X > 1 return Twice(X)
"""


def test_a_second_load_compiles_nothing_and_evaluates_alike(tmp_path: Path) -> None:
    first = CodeCache("Lib|1", tmp_path)
    code = first.compile("def _f1(ctx):\n    return 41 + 1\n", "<ELM Lib|1>")
    first.save()
    second = CodeCache("Lib|1", tmp_path)
    again = second.compile("def _f1(ctx):\n    return 41 + 1\n", "<ELM Lib|1>")
    assert (first.compiled, second.compiled) == (1, 0)
    assert again.co_consts == code.co_consts and again is not code
    namespace: dict = {}
    exec(again, namespace)
    assert namespace["_f1"](None) == 42


def test_another_source_is_compiled_and_only_the_sources_used_are_kept(tmp_path: Path) -> None:
    CodeCache("Lib|1", tmp_path).compile("x = 1\n", "<a>")
    old = CodeCache("Lib|1", tmp_path)
    old.compile("x = 1\n", "<a>")
    old.compiled = 1  # force a write of what this load used
    old.save()
    newer = CodeCache("Lib|1", tmp_path)
    newer.compile("x = 2\n", "<a>")
    newer.save()
    last = CodeCache("Lib|1", tmp_path)
    last.compile("x = 2\n", "<a>")
    last.compile("x = 1\n", "<a>")
    assert last.compiled == 1  # x = 1 was dropped by the load that did not use it


@pytest.mark.parametrize("damage", [b"", b"not marshal", b"\xe3\x00\x01"])
def test_a_damaged_file_is_no_cache(tmp_path: Path, damage: bytes) -> None:
    cache = CodeCache("Lib|1", tmp_path)
    assert cache.path is not None
    cache.path.write_bytes(damage)
    code = cache.compile("y = 3\n", "<b>")
    cache.save()
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["y"] == 3 and cache.compiled == 1
    assert CodeCache("Lib|1", tmp_path).compile("y = 3\n", "<b>") is not None


def test_an_unwritable_folder_and_off_are_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    cache = CodeCache("Lib|1", blocked / "below")
    cache.compile("z = 1\n", "<c>")
    cache.save()  # the folder cannot be made: nothing written, nothing raised
    assert not (blocked / "below").exists()
    monkeypatch.setenv(CACHE_ENV, "off")
    assert cache_folder() is None and CodeCache("Lib|1").path is None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "chosen"))
    assert cache_folder() == tmp_path / "chosen"


def test_a_library_loaded_twice_uses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    first = engine(library("Cached", CQL))
    files = sorted(tmp_path.iterdir())
    assert [p.name.split("-")[0] for p in files] == ["Cached_1.0.0", "FHIRHelpers_4.0.1"]
    written = [p.stat().st_mtime_ns for p in files]
    second = engine(library("Cached", CQL))
    assert [p.stat().st_mtime_ns for p in files] == written  # nothing compiled, so nothing written again
    assert first.evaluate("Cached") == second.evaluate("Cached") == {"Four": 4, "Listed": [4, 6]}


def test_no_home_directory_is_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where neither the variables nor a home directory say where caches go, there is none (and no error)."""
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_folder() is None
    cache = CodeCache("Lib|1")
    namespace: dict = {}
    exec(cache.compile("w = 5\n", "<d>"), namespace)
    cache.save()
    assert namespace["w"] == 5
