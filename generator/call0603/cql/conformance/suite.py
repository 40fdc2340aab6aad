"""Reads the cql-tests XML files (cqframework/cql-tests) into plain test records."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

_NS = "{http://hl7.org/fhirpath/tests}"

#: The `invalid` attribute values that expect an error, and which kind.
RUNTIME_ERROR = "true"
EXECUTION_ERROR = "execution"
COMPILE_ERRORS = ("semantic", "syntax")


@dataclass(frozen=True)
class SuiteTest:
    """One `<test>`: a CQL expression and its expected output (a CQL literal), or the error it must raise."""

    file: str
    group: str
    name: str
    expression: str
    output: str | None
    invalid: str | None

    @property
    def id(self) -> str:
        """`File.Group.Test`, the naming of cql-execution's skip list."""
        return f"{self.file}.{self.group}.{self.name}"

    @property
    def expects_compile_error(self) -> bool:
        """True when the translator itself must reject the expression."""
        return self.invalid in COMPILE_ERRORS

    @property
    def expects_runtime_error(self) -> bool:
        """True when evaluating the expression must raise."""
        return self.invalid in (RUNTIME_ERROR, EXECUTION_ERROR)


@dataclass(frozen=True)
class SuiteFile:
    """One XML file of the suite and its tests, in document order."""

    name: str
    tests: tuple[SuiteTest, ...]


def _text(element: ET.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def load_file(path: Path) -> SuiteFile:
    """Parse one cql-tests XML file (comments, i.e. disabled tests, are not tests)."""
    root = ET.parse(path).getroot()
    name = path.stem
    tests: list[SuiteTest] = []
    for group in root.findall(f"{_NS}group"):
        for test in group.findall(f"{_NS}test"):
            expression = test.find(f"{_NS}expression")
            if expression is None:
                raise ValueError(f"{path}: test {test.get('name')!r} has no <expression>")
            invalid = expression.get("invalid")
            tests.append(
                SuiteTest(
                    file=name,
                    group=group.get("name") or "",
                    name=test.get("name") or "",
                    expression=_text(expression) or "",
                    output=_text(test.find(f"{_NS}output")),
                    invalid=None if invalid in (None, "false") else invalid,
                )
            )
    return SuiteFile(name, tuple(tests))


def suite_files(suite_dir: Path) -> list[Path]:
    """The suite's XML files: `SUITE/tests/cql/*.xml` for a cql-tests checkout, else `SUITE/*.xml`."""
    for folder in (suite_dir / "tests" / "cql", suite_dir):
        found = sorted(folder.glob("*.xml"))
        if found:
            return found
    raise FileNotFoundError(f"no cql-tests XML files under {suite_dir}")


def load_suite(suite_dir: Path) -> list[SuiteFile]:
    """Every file of the suite, sorted by name."""
    return [load_file(path) for path in suite_files(suite_dir)]
