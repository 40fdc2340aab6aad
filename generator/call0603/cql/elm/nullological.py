"""Null tests: IsNull, IsTrue, IsFalse, Coalesce (over operands, or over one list operand)."""

from __future__ import annotations

from typing import Any

from ..runtime.types import result_type
from .registry import Emitter, emits


def _test(word: str) -> Any:
    def emit(node: dict[str, Any], em: Emitter) -> str:
        return f"({em.expr(node['operand'])} is {word})"
    return emit


emits("IsNull")(_test("None"))
emits("IsTrue")(_test("True"))
emits("IsFalse")(_test("False"))


def first_present(values: list[Any] | None) -> Any:
    """The first non-null element of a list (null for a null or all-null list)."""
    if values is None:
        return None
    for value in values:
        if value is not None:
            return value
    return None


@emits("Coalesce")
def _coalesce(node: dict[str, Any], em: Emitter) -> str:
    operands = node["operand"]
    if len(operands) == 1 and (result_type(operands[0]) or ("",))[0] == "list":
        return f"{em.constant(first_present)}({em.expr(operands[0])})"
    code = "None"
    for operand in reversed(operands):
        value = em.temp()
        code = f"({value} if ({value} := {em.expr(operand)}) is not None else {code})"
    return code
