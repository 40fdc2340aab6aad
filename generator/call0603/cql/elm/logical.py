"""Three-valued logic: And, Or, Xor, Not, Implies (right operands evaluated only when they can matter)."""

from __future__ import annotations

from typing import Any, Callable

from .registry import Compiled, Compiler, compiles


def _pair(node: dict[str, Any], compiler: Compiler) -> tuple[Compiled, Compiled]:
    left, right = node["operand"]
    return compiler.compile(left), compiler.compile(right)


def _connective(left_stop: bool, right_stop: bool, stopped: bool,
               left_other: bool, right_other: bool) -> Callable[[dict[str, Any], Compiler], Compiled]:
    """A three-valued connective: either side equal to its stop value decides (right evaluated only when the
    left does not); both sides at their other values give the opposite; anything else is null."""
    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        left, right = _pair(node, compiler)

        def run(ctx: Any) -> bool | None:
            a = left(ctx)
            if a is left_stop:
                return stopped
            b = right(ctx)
            if b is right_stop:
                return stopped
            return (not stopped) if a is left_other and b is right_other else None
        return run
    return build


compiles("And")(_connective(False, False, False, True, True))
compiles("Or")(_connective(True, True, True, False, False))
compiles("Implies")(_connective(False, True, True, True, False))


@compiles("Xor")
def _xor(node: dict[str, Any], compiler: Compiler) -> Compiled:
    left, right = _pair(node, compiler)

    def run(ctx: Any) -> bool | None:
        a = left(ctx)
        if a is None:
            return None
        b = right(ctx)
        return None if b is None else a is not b
    return run


@compiles("Not")
def _not(node: dict[str, Any], compiler: Compiler) -> Compiled:
    operand = compiler.compile(node["operand"])

    def run(ctx: Any) -> bool | None:
        a = operand(ctx)
        return None if a is None else not a
    return run
