"""Reading a built package: the same resources and guideline from the .tgz, its unpacked folder and a build
folder; anything else refused with one line naming it (exit 1 from the command line, no traceback)."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from call0603 import paths
from call0603.artifacts import PackageError, default_package, read_package
from call0603.cli import app

(TGZ,) = (paths.REPO / "release").glob("*.tgz")
EXAMPLE = paths.REPO / "examples" / "day14-low-counts.json"


def _identities(path: Path) -> list[str]:
    return [f"{r['resourceType']}/{r['id']}" for r in read_package(path).resources]


def _write_tgz(target: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def test_every_form_reads_the_same_package(tmp_path: Path) -> None:
    with tarfile.open(TGZ) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    build = tmp_path / "build" / "release"
    build.mkdir(parents=True)
    shutil.copy(TGZ, build)
    expected = _identities(TGZ)
    assert len(expected) == 37 and len(set(expected)) == 37
    for form in (tmp_path / "unpacked", tmp_path / "unpacked" / "package", tmp_path / "build", build):
        assert _identities(form) == expected
    assert read_package(tmp_path / "unpacked").guideline == read_package(TGZ).guideline
    assert default_package() == paths.REPO / "release"


@pytest.mark.parametrize(("files", "words"), [
    ({"package/package.json": b"{}"}, "carries no package/other/guideline.json"),
    ({"package/package.json": b"{}", "package/other/guideline.json": b"{\"package\": {}}"}, "is not a guideline document"),
    ({"package/package.json": b"{}", "package/other/guideline.json": b"{}", "package/Library-x.json": b"{"}, "is not JSON"),
])
def test_what_is_not_a_call0603_package_is_refused(tmp_path: Path, files: dict[str, bytes], words: str) -> None:
    with pytest.raises(PackageError, match=words):
        read_package(_write_tgz(tmp_path / "bad.tgz", files))


def test_a_bad_package_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "not.tgz").write_bytes(b"not gzip")
    for bad, words in ((tmp_path / "not.tgz", "not a readable FHIR package"), (tmp_path / "nothing", "is missing")):
        result = CliRunner().invoke(app, ["assess", str(EXAMPLE), "--as-of", "2024-03-18", "--package", str(bad)])
        assert result.exit_code == 1 and result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert line.startswith("call0603: ") and words in line and "Traceback" not in result.stderr
