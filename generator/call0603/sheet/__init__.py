"""The course sheet: one self-contained HTML page per patient, from the same evaluation as `apply` and `assess`."""

from __future__ import annotations
