"""String operators: Concatenate, Combine, Split, SplitOnMatches, Length, Upper, Lower, Indexer, PositionOf,
LastPositionOf, Substring, StartsWith, EndsWith, Matches and ReplaceMatches (Java regular-expression semantics)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from ..runtime.types import signature
from .list import LIST_OPERATORS
from .operands import binary, operands, unary
from .registry import Compiled, Compiler, Emitter, compiles, emits


@lru_cache(maxsize=512)
def _pattern(regex: str) -> re.Pattern[str]:
    """A compiled pattern, cached: CQL patterns are usually literals evaluated once per patient."""
    return re.compile(regex, re.DOTALL)


_JAVA_REPLACEMENT = re.compile(r"\\(.)|\$(\d+)|\$\{(\w+)\}", re.DOTALL)


def _python_replacement(java: str) -> str:
    """Java's replacement syntax ($1, ${name}, backslash escapes) as a Python one."""

    def convert(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return m.group(1).replace("\\", "\\\\")
        return f"\\g<{m.group(2) or m.group(3)}>"

    pieces = []
    last = 0
    for m in _JAVA_REPLACEMENT.finditer(java):
        pieces.append(java[last : m.start()].replace("\\", "\\\\"))
        pieces.append(convert(m))
        last = m.end()
    pieces.append(java[last:].replace("\\", "\\\\"))
    return "".join(pieces)


def concatenate(*parts: Any) -> str | None:
    """All strings joined; null if any is null."""
    if any(p is None for p in parts):
        return None
    return "".join(parts)


def combine(source: list[Any] | None, separator: str | None = None) -> str | None:
    """The non-null strings of a list joined by a separator (null for a null or empty list)."""
    if not source:
        return None
    kept = [s for s in source if s is not None]
    return (separator or "").join(kept)


def split(text: str, separator: str | None) -> list[str]:
    """The text split at each occurrence of the separator (the whole text when the separator is null)."""
    if separator is None or separator == "":
        return [text]
    return text.split(separator)


def split_on_matches(text: str, regex: str) -> list[str]:
    """The text split at each match of a regular expression."""
    return _pattern(regex).split(text)


def position_of(pattern: str, text: str) -> int:
    """Index of the first occurrence of pattern in text, -1 when absent."""
    return text.find(pattern)


def last_position_of(pattern: str, text: str) -> int:
    """Index of the last occurrence of pattern in text, -1 when absent."""
    return text.rfind(pattern)


def substring(text: Any, start: Any, length: Any = None) -> str | None:
    """The part of text from a 0-based start, of at most `length` characters; null when start is out of range."""
    if text is None or start is None:
        return None
    if start < 0 or start >= len(text) and not (start == 0 and text == ""):
        return None
    if length is None:
        return text[start:]
    return text[start : start + max(length, 0)]


def index_string(text: str, index: int) -> str | None:
    """The character at a 0-based index, null when out of range."""
    return text[index] if 0 <= index < len(text) else None


def matches(text: str, regex: str) -> bool:
    """The whole text matches the regular expression (Java String.matches)."""
    return _pattern(regex).fullmatch(text) is not None


def replace_matches(text: Any, regex: Any, substitution: Any) -> str | None:
    """Every match replaced; the substitution may use $1-style groups as in Java."""
    if text is None or regex is None or substitution is None:
        return None
    return _pattern(regex).sub(_python_replacement(substitution), text)


def starts_with(text: str, prefix: str) -> bool:
    """The text starts with the prefix."""
    return text.startswith(prefix)


def ends_with(text: str, suffix: str) -> bool:
    """The text ends with the suffix."""
    return text.endswith(suffix)


@emits("Concatenate")
def _concatenate(node: dict[str, Any], em: Emitter) -> str:
    parts = node["operand"]
    if len(parts) == 2:
        left, right = parts
        a, b = em.temp(), em.temp()
        return (f"(None if ({a} := {em.expr(left)}) is None else "
                f"(None if ({b} := {em.expr(right)}) is None else {a} + {b}))")
    return f"{em.constant(concatenate)}({', '.join(em.expr(p) for p in parts)})"


@emits("Combine")
def _combine(node: dict[str, Any], em: Emitter) -> str:
    arguments = [em.expr(node["source"]), *([em.expr(node["separator"])] if node.get("separator") else [])]
    return f"{em.constant(combine)}({', '.join(arguments)})"


@compiles("Split")
def _split(node: dict[str, Any], compiler: Compiler) -> Compiled:
    text = compiler.compile(node["stringToSplit"])
    separator = compiler.compile(node["separator"]) if node.get("separator") else (lambda ctx: None)

    def run(ctx: Any) -> list[str] | None:
        value = text(ctx)
        return None if value is None else split(value, separator(ctx))

    return run


@compiles("SplitOnMatches")
def _split_on_matches(node: dict[str, Any], compiler: Compiler) -> Compiled:
    text = compiler.compile(node["stringToSplit"])
    regex = compiler.compile(node["separatorPattern"])

    def run(ctx: Any) -> list[str] | None:
        value, pattern = text(ctx), regex(ctx)
        if value is None:
            return None
        return [value] if pattern is None else split_on_matches(value, pattern)

    return run


def _string_or_list(node_type: str, string_fn: Any, null_string: Any = None) -> None:
    """A node shared by strings and lists (Length, Indexer): list operands go to the list family."""
    list_fn = LIST_OPERATORS[node_type]

    @compiles(node_type)
    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        parts = operands(node, compiler)
        kinds = signature(node)
        if kinds and kinds[0] is not None and kinds[0][0] == "list":
            return lambda ctx: list_fn(*(p(ctx) for p in parts))

        def run(ctx: Any) -> Any:
            values = [p(ctx) for p in parts]
            if isinstance(values[0], list):
                return list_fn(*values)
            if any(v is None for v in values):
                return null_string
            return string_fn(*values)

        return run


_string_or_list("Length", len)
_string_or_list("Indexer", index_string)

emits("Upper")(unary(str.upper))
emits("Lower")(unary(str.lower))
emits("StartsWith")(binary(starts_with))
emits("EndsWith")(binary(ends_with))
emits("Matches")(binary(matches))


def _position(fn: Any) -> Callable[[dict[str, Any], Compiler], Compiled]:
    """A compiler for PositionOf/LastPositionOf, whose operands are named `pattern` and `string`."""

    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        pattern, text = compiler.compile(node["pattern"]), compiler.compile(node["string"])

        def run(ctx: Any) -> int | None:
            p, t = pattern(ctx), text(ctx)
            return None if p is None or t is None else fn(p, t)

        return run

    return build


compiles("PositionOf")(_position(position_of))
compiles("LastPositionOf")(_position(last_position_of))


@compiles("Substring")
def _substring(node: dict[str, Any], compiler: Compiler) -> Compiled:
    text = compiler.compile(node["stringToSub"])
    start = compiler.compile(node["startIndex"])
    length = compiler.compile(node["length"]) if node.get("length") else None
    if length is None:
        return lambda ctx: substring(text(ctx), start(ctx))

    def run(ctx: Any) -> str | None:
        size = length(ctx)
        return None if size is None else substring(text(ctx), start(ctx), size)

    return run


@compiles("ReplaceMatches")
def _replace_matches(node: dict[str, Any], compiler: Compiler) -> Compiled:
    text, regex, substitution = operands(node, compiler)
    return lambda ctx: replace_matches(text(ctx), regex(ctx), substitution(ctx))
