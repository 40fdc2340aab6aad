"""Conditionals: If (a null condition takes the else branch) and Case (with or without a comparand)."""

from __future__ import annotations

from typing import Any

from .comparison import equal
from .registry import Compiled, Compiler, compiles


@compiles("If")
def _if(node: dict[str, Any], compiler: Compiler) -> Compiled:
    condition = compiler.compile(node["condition"])
    then = compiler.compile(node["then"])
    otherwise = compiler.compile(node["else"])
    return lambda ctx: then(ctx) if condition(ctx) is True else otherwise(ctx)


@compiles("Case")
def _case(node: dict[str, Any], compiler: Compiler) -> Compiled:
    items = [(compiler.compile(i["when"]), compiler.compile(i["then"])) for i in node.get("caseItem") or ()]
    otherwise = compiler.compile(node["else"])
    if node.get("comparand") is None:
        def searched(ctx: Any) -> Any:
            for when, then in items:
                if when(ctx) is True:
                    return then(ctx)
            return otherwise(ctx)
        return searched
    comparand = compiler.compile(node["comparand"])

    def selected(ctx: Any) -> Any:
        value = comparand(ctx)
        for when, then in items:
            if equal(value, when(ctx)) is True:
                return then(ctx)
        return otherwise(ctx)
    return selected
