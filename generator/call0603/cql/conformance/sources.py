"""One small CQL library per suite test: `define "Expression"` and `define "Output"`, both run by the engine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .suite import SuiteTest

EXPRESSION = "Expression"
OUTPUT = "Output"


@dataclass(frozen=True)
class SuiteLibrary:
    """The CQL text of one test's library and the source lines that hold the expected output."""

    name: str
    text: str
    output_lines: range

    def in_output(self, line: int | None) -> bool:
        """True when a translator message at `line` belongs to the expected output, not the expression."""
        return line is not None and line in self.output_lines


def library_for(test: SuiteTest) -> SuiteLibrary:
    """Build the library; its name is a digest of its body, so identical tests share one translation."""
    body = [f'define "{EXPRESSION}":', *test.expression.splitlines(), ""]
    output_first = len(body) + 3
    if test.output is not None:
        body += [f'define "{OUTPUT}":', *test.output.splitlines(), ""]
    output_lines = range(output_first, len(body) + 3)
    text = "\n".join(body)
    name = "T" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    return SuiteLibrary(name, f"library {name} version '1.0.0'\n\n{text}", output_lines)
