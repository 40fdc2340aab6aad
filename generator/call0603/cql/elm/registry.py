"""The table from ELM node type to the function that compiles it, filled in by each operator family."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from ..runtime.context import Context

#: A compiled ELM expression: evaluated with the run-time context, it returns a CQL value.
Compiled = Callable[["Context"], Any]


class Compiler(Protocol):
    """What a node compile function may ask of the library compiler."""

    def compile(self, node: dict[str, Any]) -> Compiled:
        """Compile a child expression."""

    def error(self, node: dict[str, Any], why: str) -> Exception:
        """An ElmLoadError naming the node (type, localId, locator) and why it cannot be compiled."""


NodeCompiler = Callable[[dict[str, Any], Compiler], Compiled]

REGISTRY: dict[str, NodeCompiler] = {}


def compiles(*node_types: str) -> Callable[[NodeCompiler], NodeCompiler]:
    """Register the decorated function as the compiler of each ELM node type named."""

    def register(fn: NodeCompiler) -> NodeCompiler:
        for node_type in node_types:
            if node_type in REGISTRY:
                raise RuntimeError(f"ELM node type {node_type} registered twice ({REGISTRY[node_type].__module__}, {fn.__module__})")
            REGISTRY[node_type] = fn
        return fn

    return register
