"""CQL Tuple values: a dict from element name to value, so FHIR-like access and CQL tuples share one shape."""

from __future__ import annotations


class Tuple(dict):
    """A CQL Tuple (element name → value); equality and ordering come from the generic comparison."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Tuple {" + ", ".join(f"{k}: {v!r}" for k, v in self.items()) + "}"

    __hash__ = None  # type: ignore[assignment]
