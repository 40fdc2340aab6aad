"""Compiling the operands of an ELM operator node, and null-propagating value functions written as emitters."""

from __future__ import annotations

from typing import Any, Callable

from .registry import Compiled, Compiler, Emitter, NodeEmitter


def operands(node: dict[str, Any], compiler: Compiler) -> list[Compiled]:
    """The compiled operands, whether the node holds one operand or a list."""
    raw = node.get("operand")
    if raw is None:
        return []
    if isinstance(raw, dict):
        return [compiler.compile(raw)]
    return [compiler.compile(o) for o in raw]


def unary(fn: Callable[[Any], Any]) -> NodeEmitter:
    """An emitter of `fn(operand)`, null when the operand is null."""

    def emit(node: dict[str, Any], em: Emitter) -> str:
        raw = node["operand"]
        value = em.temp()
        operand = em.expr(raw if isinstance(raw, dict) else raw[0])
        return f"(None if ({value} := {operand}) is None else {em.constant(fn)}({value}))"

    return emit


def binary(fn: Callable[[Any, Any], Any]) -> NodeEmitter:
    """An emitter of `fn(left, right)`, null when either is null (the right one then not evaluated)."""

    def emit(node: dict[str, Any], em: Emitter) -> str:
        left, right = node["operand"]
        a, b = em.temp(), em.temp()
        return (f"(None if ({a} := {em.expr(left)}) is None else "
                f"(None if ({b} := {em.expr(right)}) is None else {em.constant(fn)}({a}, {b})))")

    return emit
