"""Synthetic populations as FHIR Bulk Data NDJSON: realistic reinduction trajectories, reproducible from a seed."""

from __future__ import annotations
