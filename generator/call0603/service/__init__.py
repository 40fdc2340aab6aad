"""The package over HTTP: FHIR operations (`$apply`, `$evaluate`) and CDS Hooks services, on the evaluator."""

from __future__ import annotations
