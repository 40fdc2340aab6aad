"""Packaging hook: the wheel carries the built FHIR NPM package (release/*.tgz) that evaluation reads.

Everything else is declared in pyproject.toml. The package goes to `call0603/_package/` in the wheel, so an installed
call0603 evaluates without `guideline/` or a checkout; a source tree without a built package cannot make a wheel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithPackage(build_py):
    """build_py, then the built FHIR NPM package copied into the package data."""

    def run(self) -> None:
        super().run()
        built = sorted((HERE / "release").glob("*.tgz"))
        if len(built) != 1:
            raise SystemExit(f"expected one built package in {HERE / 'release'}, found {len(built)}: run `call0603 build`")
        target = Path(self.build_lib) / "call0603" / "_package"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target / built[0].name)


setup(cmdclass={"build_py": BuildPyWithPackage})
