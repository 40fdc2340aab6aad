"""Compiling the operands of an ELM operator node and wrapping null-propagating value functions as compilers."""

from __future__ import annotations

from typing import Any, Callable

from ..runtime.types import Type, signature
from .registry import Compiled, Compiler, NodeCompiler


def operands(node: dict[str, Any], compiler: Compiler) -> list[Compiled]:
    """The compiled operands, whether the node holds one operand or a list."""
    raw = node.get("operand")
    if raw is None:
        return []
    if isinstance(raw, dict):
        return [compiler.compile(raw)]
    return [compiler.compile(o) for o in raw]


def kinds(node: dict[str, Any]) -> tuple[Type, ...]:
    """The static operand types (signature, else each operand's result type)."""
    return signature(node)


def unary(fn: Callable[[Any], Any]) -> NodeCompiler:
    """A compiler for `fn(operand)`, null when the operand is null."""

    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        (operand,) = operands(node, compiler)

        def run(ctx: Any) -> Any:
            value = operand(ctx)
            return None if value is None else fn(value)

        return run

    return build


def binary(fn: Callable[[Any, Any], Any]) -> NodeCompiler:
    """A compiler for `fn(left, right)`, null when either is null."""

    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        left, right = operands(node, compiler)

        def run(ctx: Any) -> Any:
            a = left(ctx)
            if a is None:
                return None
            b = right(ctx)
            return None if b is None else fn(a, b)

        return run

    return build
