"""Measures the CQL value types on the per-patient hot paths: FHIR dateTime parsing, date/time comparison and
arithmetic, durations, and quantity comparison across UCUM units (first call, which loads the UCUM registry,
and cached calls).

Run: `python3 benchmarks/cql_datatypes.py [--n N]`; prints microseconds per operation (best of 5 rounds).
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal
from typing import Callable

from call0603.cql.datatypes import ucum
from call0603.cql.datatypes.datetime import DAY, MONTH, Date, DateTime, _parse_datetime, duration_between
from call0603.cql.datatypes.quantity import Quantity


def _per_call(step: Callable[[], object], n: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            step()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def main() -> None:
    """Print one line per measured operation."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    n = parser.parse_args().n
    a = DateTime.parse("2024-02-29T10:30:00.000-05:00")
    b = DateTime.parse("2024-03-01T09:00:00+01:00")
    anc = Quantity(Decimal("0.5"), "10*3/uL")
    threshold = Quantity(Decimal("500"), "/uL")
    start = time.perf_counter()
    anc.cql_compare(threshold)
    print(f"{'first UCUM conversion (loads registry)':45s} {(time.perf_counter() - start) * 1e3:9.1f} ms")
    rows = {
        "DateTime.parse FHIR dateTime, uncached": lambda: _parse_datetime.__wrapped__("2024-02-29T10:30:00.000-05:00", None),
        "DateTime.parse FHIR dateTime, cached": lambda: DateTime.parse("2024-02-29T10:30:00.000-05:00"),
        "Date.parse FHIR date": lambda: Date.parse("2024-02-29"),
        "DateTime compare, same offset": lambda: a.cql_compare(a),
        "DateTime compare, different offsets": lambda: a.cql_compare(b),
        "DateTime + 1 month": lambda: a.add(1, MONTH),
        "days between (DateTime)": lambda: duration_between(a, b, DAY),
        "Quantity compare 10*3/uL vs /uL (cached)": lambda: anc.cql_compare(threshold),
        "UCUM convert (cached factor)": lambda: ucum.convert(Decimal("0.5"), "10*3/uL", "/uL"),
    }
    for name, step in rows.items():
        print(f"{name:45s} {_per_call(step, n):9.2f} us")


if __name__ == "__main__":
    main()
