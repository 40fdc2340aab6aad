"""CALL-0603 reinduction as a computable FHIR R4 / CQL guideline package, with its CQL engine and evaluator."""

from __future__ import annotations

__version__ = "0.1.0"
