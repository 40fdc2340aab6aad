"""CQL Long: a 64-bit integer kept apart from Integer by its Python type."""

from __future__ import annotations

from .decimal import MAX_LONG, MIN_LONG


class Long(int):
    """A System.Long value; arithmetic on it goes through the operators, which return Long again."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}L"

    def __str__(self) -> str:
        return str(int(self))


def long_in_range(value: int) -> Long | None:
    """The value as a Long when it fits 64 bits, else None (overflow is null)."""
    return Long(value) if MIN_LONG <= value <= MAX_LONG else None
