"""Cohort scale: every patient of a FHIR Bulk Data export through the package's evaluator, and the cohort report."""

from __future__ import annotations
