"""Three-valued logic: And, Or, Xor, Not, Implies (right operands evaluated only when they can matter)."""

from __future__ import annotations

from typing import Any

from .registry import Compiled, Compiler, compiles


def _pair(node: dict[str, Any], compiler: Compiler) -> tuple[Compiled, Compiled]:
    left, right = node["operand"]
    return compiler.compile(left), compiler.compile(right)


@compiles("And")
def _and(node: dict[str, Any], compiler: Compiler) -> Compiled:
    left, right = _pair(node, compiler)

    def run(ctx: Any) -> bool | None:
        a = left(ctx)
        if a is False:
            return False
        b = right(ctx)
        if b is False:
            return False
        return True if a is True and b is True else None
    return run


@compiles("Or")
def _or(node: dict[str, Any], compiler: Compiler) -> Compiled:
    left, right = _pair(node, compiler)

    def run(ctx: Any) -> bool | None:
        a = left(ctx)
        if a is True:
            return True
        b = right(ctx)
        if b is True:
            return True
        return False if a is False and b is False else None
    return run


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


@compiles("Implies")
def _implies(node: dict[str, Any], compiler: Compiler) -> Compiled:
    left, right = _pair(node, compiler)

    def run(ctx: Any) -> bool | None:
        a = left(ctx)
        if a is False:
            return True
        b = right(ctx)
        if b is True:
            return True
        return False if a is True and b is False else None
    return run


@compiles("Not")
def _not(node: dict[str, Any], compiler: Compiler) -> Compiled:
    operand = compiler.compile(node["operand"])

    def run(ctx: Any) -> bool | None:
        a = operand(ctx)
        return None if a is None else not a
    return run
