"""CQL value types: date/time with precision and uncertainty, quantity, ratio, interval, code, tuple."""

from __future__ import annotations
