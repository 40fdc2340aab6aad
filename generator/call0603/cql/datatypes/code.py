"""CQL Code and Concept values: immutable, hashable, and compared the way CQL says."""

from __future__ import annotations

from dataclasses import dataclass


def _structured_equal(pairs: tuple[tuple[object, object], ...]) -> bool | None:
    """CQL `=` element by element: two nulls are equal; the first differing (false) or half-null (null) pair decides."""
    for left, right in pairs:
        if left is None and right is None:
            continue
        if left is None or right is None:
            return None
        if left != right:
            return False
    return True


@dataclass(slots=True, unsafe_hash=True)
class Code:
    """A CQL System.Code: a code in a code system (version and display are informative). Never changed once made
    (not frozen, as a frozen dataclass is twice as slow to build and codes are built per resource)."""

    code: str | None
    system: str | None = None
    version: str | None = None
    display: str | None = None

    def cql_equal(self, other: object) -> bool | None:
        """CQL `=`: every element equal (display included), null where only one side has an element."""
        if not isinstance(other, Code):
            return False
        return _structured_equal(((self.code, other.code), (self.system, other.system),
                                  (self.version, other.version), (self.display, other.display)))

    def cql_equivalent(self, other: object) -> bool:
        """CQL `~`: same code in the same system; version and display do not matter."""
        if isinstance(other, Concept):
            return other.cql_equivalent(self)
        return isinstance(other, Code) and self.code == other.code and self.system == other.system

    def __str__(self) -> str:
        return f"Code {{ code: {self.code!r}, system: {self.system!r} }}"


@dataclass(slots=True, unsafe_hash=True)
class Concept:
    """A CQL System.Concept: codes that mean the same thing, with an optional display (never changed once made)."""

    codes: tuple[Code, ...]
    display: str | None = None

    def cql_equal(self, other: object) -> bool | None:
        """CQL `=`: the same codes in the same order and the same display."""
        if not isinstance(other, Concept):
            return False
        if len(self.codes) != len(other.codes):
            return False
        for mine, theirs in zip(self.codes, other.codes):
            same = mine.cql_equal(theirs)
            if same is not True:
                return same
        return _structured_equal(((self.display, other.display),))

    def cql_equivalent(self, other: object) -> bool:
        """CQL `~`: any code of one is equivalent to any code of the other."""
        theirs = other.codes if isinstance(other, Concept) else (other,) if isinstance(other, Code) else ()
        return any(mine.cql_equivalent(code) for mine in self.codes for code in theirs)


@dataclass(frozen=True, slots=True)
class CodeSystem:
    """A CQL CodeSystem reference (its canonical id and optional version)."""

    id: str
    version: str | None = None


@dataclass(frozen=True, slots=True)
class ValueSet:
    """A CQL ValueSet reference: membership is answered by the evaluation's Terminology."""

    id: str
    version: str | None = None
    codesystems: tuple[CodeSystem, ...] = ()
