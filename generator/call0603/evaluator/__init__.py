"""The evaluator: `$apply` and `assess` of the package over one patient's FHIR data, on the built-in CQL engine."""

from __future__ import annotations
