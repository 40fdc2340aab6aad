"""Conditionals: If (a null condition takes the else branch) and Case (with or without a comparand)."""

from __future__ import annotations

from typing import Any

from .comparison import equal
from .registry import Emitter, emits


@emits("If")
def _if(node: dict[str, Any], em: Emitter) -> str:
    return f"({em.expr(node['then'])} if {em.expr(node['condition'])} is True else {em.expr(node['else'])})"


@emits("Case")
def _case(node: dict[str, Any], em: Emitter) -> str:
    code = em.expr(node["else"])
    if node.get("comparand") is None:
        for item in reversed(node.get("caseItem") or ()):
            code = f"({em.expr(item['then'])} if {em.expr(item['when'])} is True else {code})"
        return code
    value = em.temp()
    same = em.constant(equal)
    for item in reversed(node.get("caseItem") or ()):
        code = f"({em.expr(item['then'])} if {same}({value}, {em.expr(item['when'])}) is True else {code})"
    return f"(({value} := {em.expr(node['comparand'])}), {code})[1]"
