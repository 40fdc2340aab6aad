"""An export given as a URL is read through fsspec by every engine, with the same results as from its folder, and a
URL that cannot be read is refused in one line naming it."""

from __future__ import annotations

import gzip
import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Iterator

import fsspec
import orjson
import pytest
from conftest import job
from test_robust import PLUMBING, refused

from call0603.cohort.dask_pool import IN_PROCESS
from call0603.cohort.ndjson import input_files
from call0603.cohort.run import run_cohort
from call0603.cohort.source import local_path
from call0603.evaluator.inputs import InputRefused

EXTRA = (b'{"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/ghost"}}\n'
         b'{"resourceType":"Patient","gender":"female"}\n')


@pytest.fixture(scope="module")
def export(shuffled: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shuffled population (plain and gzip files) with a resource of no patient present and a nameless Patient."""
    folder = tmp_path_factory.mktemp("url") / "export"
    folder.mkdir()
    for path in sorted(shuffled.iterdir()):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "Extra.ndjson").write_bytes(EXTRA)
    return folder


def _to_memory(folder: Path) -> str:
    url = f"memory://cohort-{uuid.uuid4().hex}/export"
    for path in sorted(folder.iterdir()):
        with fsspec.open(f"{url}/{path.name}", "wb") as f:
            f.write(path.read_bytes())
    return url


@pytest.fixture
def memory_export(export: Path) -> Iterator[str]:
    """The export copied into fsspec's in-memory filesystem (as an object store holds it), removed afterwards."""
    url = _to_memory(export)
    yield url
    fsspec.filesystem("memory").rm(url.removeprefix("memory://").removesuffix("/export"), recursive=True)


@pytest.fixture(scope="module")
def from_folder(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("folder") / "out"
    run_cohort(job(export, out, workers=1), report=False)
    return out


def _records(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _same_as_folder(out: Path, folder_out: Path, export: Path, url: str) -> None:
    """Assessments byte for byte; refusals the same but for naming the export as the run was given it."""
    assert (out / "assessments.ndjson").read_bytes() == (folder_out / "assessments.ndjson").read_bytes()
    ours, theirs = _records(out / "refused.ndjson"), _records(folder_out / "refused.ndjson")
    assert len(ours) == len(theirs) > 2
    for mine, other in zip(ours, theirs):
        assert mine["source"] == other["source"].replace(str(export), url)
        assert {k: v for k, v in mine.items() if k != "source"} == {k: v for k, v in other.items() if k != "source"}
    assert ours[-1]["source"] == f"{url}/Extra.ndjson:2"


@pytest.mark.parametrize("engine", ["dask", "local-1", "local-2"])
def test_a_memory_url_gives_the_folder_results(engine: str, memory_export: str, export: Path, from_folder: Path,
                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    if engine == "dask":
        run_cohort(job(memory_export, out, workers=2), engine="dask", scheduler=IN_PROCESS, report=False)
    else:
        run_cohort(job(memory_export, out, workers=1, buckets=None if engine == "local-1" else 3), report=False)
    _same_as_folder(out, from_folder, export, memory_export)
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["input"]["export"] == memory_export
    assert summary["input"]["resources"] == orjson.loads((from_folder / "summary.json").read_bytes())["input"]["resources"]


def test_dask_and_local_from_one_url_write_the_same_bytes(memory_export: str, tmp_path: Path) -> None:
    run_cohort(job(memory_export, tmp_path / "dask", workers=2), engine="dask", scheduler=IN_PROCESS, report=False)
    run_cohort(job(memory_export, tmp_path / "local", workers=1), report=False)
    for name in ("assessments.ndjson", "refused.ndjson"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_a_file_url_is_read_by_worker_processes(export: Path, from_folder: Path, tmp_path: Path) -> None:
    url = export.as_uri()
    assert url.startswith("file:///") and local_path(url) == export
    run_cohort(job(url, tmp_path / "out", workers=2, buckets=4), report=False)
    _same_as_folder(tmp_path / "out", from_folder, export, url)


def test_a_file_url_inside_the_output_is_still_refused_as_overlap(export: Path) -> None:
    refused(["cohort", export.as_uri(), "--out", str(export / "out"), *PLUMBING], "inside the input folder")
    assert not (export / "out").exists()


def test_slices_of_a_url_cut_on_line_breaks(memory_export: str) -> None:
    from call0603.cohort.ndjson import slices

    files = [f for f in input_files(memory_export) if f.name == "Observation.0.ndjson"]
    data = fsspec.open(files[0].location, "rb").open().read()
    pieces = slices(files, 5_000)
    assert len(pieces) > 5 and pieces[0].start == 0 and pieces[-1].end == len(data) == files[0].size
    for a, b in zip(pieces, pieces[1:]):
        assert a.end == b.start and data[a.end - 1:a.end] == b"\n"


def test_a_missing_url_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refused(["cohort", f"memory://nothing-{uuid.uuid4().hex}/export", "--out", str(out), *PLUMBING], "no such folder")
    refused(["cohort", (tmp_path / "absent").as_uri(), "--out", str(out), *PLUMBING], "absent", "no such folder")
    assert not out.exists()


def test_a_url_naming_a_file_or_a_folder_without_ndjson_is_refused(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    refused(["cohort", (export / "Extra.ndjson").as_uri(), "--out", str(out), *PLUMBING], "not a folder of NDJSON files")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(["cohort", empty.as_uri(), "--out", str(out), *PLUMBING], "no .ndjson or .ndjson.gz files")
    assert not out.exists()


@pytest.mark.parametrize("engine", [["--workers", "1"], ["--engine", "dask", "--scheduler", "in-process", "--workers", "2"]],
                         ids=["local", "dask"])
def test_an_unreadable_file_behind_a_url_is_refused_naming_it(engine: list[str], export: Path, tmp_path: Path) -> None:
    url = _to_memory(export)
    with fsspec.open(f"{url}/Observation.x.ndjson.gz", "wb") as f:
        f.write(gzip.compress(EXTRA)[:-9])
    out = tmp_path / "out"
    refused(["cohort", url, "--out", str(out), *engine, *PLUMBING], f"{url}/Observation.x.ndjson.gz", "gzip data cut short")
    assert not out.exists()


def _missing_backend() -> str:
    """A protocol fsspec knows whose backend package is not installed here."""
    from fsspec.registry import known_implementations

    for protocol, spec in sorted(known_implementations.items()):
        module = spec["class"].split(".", 1)[0]
        if module != "fsspec" and importlib.util.find_spec(module) is None:
            return protocol
    pytest.skip("every fsspec backend is installed")


def test_a_protocol_without_its_backend_or_unknown_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    protocol = _missing_backend()
    refused(["cohort", f"{protocol}://bucket/export", "--out", str(out), *PLUMBING],
            f"{protocol}://bucket/export", f"the fsspec backend for {protocol}:// is not installed")
    refused(["cohort", "nosuchprotocol://bucket/export", "--out", str(out), *PLUMBING],
            "nosuchprotocol:// is not a protocol fsspec knows")
    assert not out.exists()


def test_a_url_without_fsspec_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec.core", None)
    refused(["cohort", "s3://bucket/export", "--out", str(tmp_path / "out"), *PLUMBING],
            "needs fsspec", "pip install 'call0603[dask]'")


def test_a_run_over_a_url_is_not_resumed_over_a_file_changed_in_place(memory_export: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cohort(job(memory_export, out, workers=1), report=False)
    assert run_cohort(job(memory_export, out, workers=1), report=False) == first
    changed = EXTRA.replace(b'"female"', b'"other "')
    assert len(changed) == len(EXTRA) and changed != EXTRA
    with fsspec.open(f"{memory_export}/Extra.ndjson", "wb") as f:
        f.write(changed)
    with pytest.raises(InputRefused, match="holds a run over other inputs"):
        run_cohort(job(memory_export, out, workers=1), report=False)
