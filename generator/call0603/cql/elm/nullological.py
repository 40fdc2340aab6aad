"""Null tests: IsNull, IsTrue, IsFalse, Coalesce (over operands, or over one list operand)."""

from __future__ import annotations

from typing import Any, Callable

from ..runtime.types import result_type
from .registry import Compiled, Compiler, compiles


def _test(predicate: Callable[[Any], bool]) -> Callable[[dict[str, Any], Compiler], Compiled]:
    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        operand = compiler.compile(node["operand"])
        return lambda ctx: predicate(operand(ctx))
    return build


compiles("IsNull")(_test(lambda v: v is None))
compiles("IsTrue")(_test(lambda v: v is True))
compiles("IsFalse")(_test(lambda v: v is False))


@compiles("Coalesce")
def _coalesce(node: dict[str, Any], compiler: Compiler) -> Compiled:
    operands = node["operand"]
    compiled = [compiler.compile(o) for o in operands]
    single = len(operands) == 1 and (result_type(operands[0]) or ("",))[0] == "list"
    if single:
        (source,) = compiled

        def first_of_list(ctx: Any) -> Any:
            values = source(ctx)
            if values is None:
                return None
            for value in values:
                if value is not None:
                    return value
            return None
        return first_of_list

    def first(ctx: Any) -> Any:
        for operand in compiled:
            value = operand(ctx)
            if value is not None:
                return value
        return None
    return first
