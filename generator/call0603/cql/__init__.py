"""A CQL engine for Python: compiles ELM JSON once into closures and evaluates them over FHIR R4 data."""

from __future__ import annotations
