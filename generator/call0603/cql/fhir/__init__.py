"""The FHIR R4 data model: retrieve over bundles and NDJSON, primitives, choice types, native FHIRHelpers."""

from __future__ import annotations
