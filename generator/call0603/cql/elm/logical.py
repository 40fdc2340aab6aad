"""Three-valued logic: And, Or, Xor, Not, Implies (right operands evaluated only when they can matter)."""

from __future__ import annotations

from typing import Any, Callable

from .registry import Emitter, emits


def _connective(left_stop: bool, right_stop: bool, stopped: bool,
                left_other: bool, right_other: bool) -> Callable[[dict[str, Any], Emitter], str]:
    """A three-valued connective: either side equal to its stop value decides (right evaluated only when the
    left does not); both sides at their other values give the opposite; anything else is null."""
    def emit(node: dict[str, Any], em: Emitter) -> str:
        left, right = node["operand"]
        a, b = em.temp(), em.temp()
        otherwise = f"({not stopped} if {a} is {left_other} and {b} is {right_other} else None)"
        return (f"({stopped} if ({a} := {em.expr(left)}) is {left_stop} else "
                f"({stopped} if ({b} := {em.expr(right)}) is {right_stop} else {otherwise}))")
    return emit


emits("And")(_connective(False, False, False, True, True))
emits("Or")(_connective(True, True, True, False, False))
emits("Implies")(_connective(False, True, True, True, False))


@emits("Xor")
def _xor(node: dict[str, Any], em: Emitter) -> str:
    left, right = node["operand"]
    a, b = em.temp(), em.temp()
    return f"(None if ({a} := {em.expr(left)}) is None else (None if ({b} := {em.expr(right)}) is None else {a} is not {b}))"


@emits("Not")
def _not(node: dict[str, Any], em: Emitter) -> str:
    a = em.temp()
    return f"(None if ({a} := {em.expr(node['operand'])}) is None else not {a})"
