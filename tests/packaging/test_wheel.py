"""The wheel as a user installs it: built from the checkout, installed into a fresh virtualenv outside it (its
dependencies from the package registry, through pip's cache), then `call0603 assess` on the example, by the
installed package alone and with `--package` pointing at another build.

Marked `wheel`: it builds and installs for about a minute (`pytest -m "not wheel"` leaves it out).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from call0603 import paths

pytestmark = pytest.mark.wheel

EXAMPLE = paths.REPO / "examples" / "day14-low-counts.json"
AS_OF = "2024-03-18"


def _run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv outside the checkout with the wheel of this checkout installed (not editable)."""
    place = tmp_path_factory.mktemp("wheel")
    wheels = place / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(paths.REPO)], cwd=place)
    (wheel,) = wheels.glob("call0603-*.whl")
    env = place / "venv"
    _run([sys.executable, "-m", "venv", str(env)], cwd=place)
    _run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)], cwd=place)
    return env


def _assess(env: Path, cwd: Path, *more: str) -> dict:
    example = cwd / EXAMPLE.name
    shutil.copy(EXAMPLE, example)
    done = _run([str(env / "bin" / "call0603"), "assess", str(example), "--as-of", AS_OF, "--json", *more], cwd=cwd)
    return json.loads(done.stdout)


def test_the_installed_wheel_assesses_the_example_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    where = _run([str(venv / "bin" / "python"), "-c", "import call0603; print(call0603.__file__)"], cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv) and not Path(where.stdout.strip()).is_relative_to(paths.REPO)
    report = _assess(venv, tmp_path)
    assert report["subject"] == "Patient/p-day14-low"
    assert report["idarubicin"]["day14"]["value"] == "withhold"
    assert report["idarubicin"]["day0"]["dose"] == {"value": 12.58, "unit": "mg"}


def test_the_installed_wheel_evaluates_another_build_given_by_package(venv: Path, tmp_path: Path) -> None:
    """The package as a .tgz somewhere else answers as the installed one; a folder holding no package is refused.
    (An edited, rebuilt package changing the answers is tested in tests/authoring/test_edited_guideline.py.)"""
    (tgz,) = (paths.REPO / "release").glob("*.tgz")
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(tgz, other / tgz.name)
    assert _assess(venv, tmp_path, "--package", str(other / tgz.name)) == _assess(venv, tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(venv / "bin" / "call0603"), "assess", str(EXAMPLE), "--as-of", AS_OF, "--package", str(empty)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stdout == ""
    assert "no FHIR package (.tgz)" in done.stderr and "Traceback" not in done.stderr
