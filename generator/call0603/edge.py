"""What every command says at the edge of the program: one-line messages and the exit codes of a stopped run."""

from __future__ import annotations

import signal

#: Exit code of an unexpected failure (a defect in the package, not a problem with the input).
FAILED = 1


def one_line(text: str) -> str:
    """A message folded onto one line (an error's text may hold newlines)."""
    return " ".join(str(text).split())


def interrupted_code(signum: int = signal.SIGINT) -> int:
    """The shell's exit code for a run stopped by a signal: 128 + its number (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + int(signum)
