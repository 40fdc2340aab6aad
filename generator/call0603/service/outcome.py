"""OperationOutcome answers: a refusal, a missing resource or a failure, each with its HTTP status."""

from __future__ import annotations

from typing import Any


class OperationError(Exception):
    """An operation that ends in an OperationOutcome: the HTTP status, the issue code, and what to tell the client."""

    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text


def operation_outcome(code: str, text: str, severity: str = "error") -> dict[str, Any]:
    """An R4 OperationOutcome with one issue."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "details": {"text": text}, "diagnostics": text}]}
