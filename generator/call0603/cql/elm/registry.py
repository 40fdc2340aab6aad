"""The tables from ELM node type to its implementation, filled in by each operator family: a compile function
building a closure (`compiles`), or an emit function writing the node as a Python expression (`emits`)."""

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


class Emitter(Protocol):
    """What a node emit function may ask of the code generator (runtime/emitter.py)."""

    compiler: Any

    def expr(self, node: dict[str, Any]) -> str:
        """A child as a Python expression (of `ctx` and the local names in scope)."""

    def constant(self, value: Any) -> str:
        """The name under which the generated code sees a Python object."""

    def temp(self) -> str:
        """A fresh local name for a walrus temporary."""

    def closure(self, compiled: Compiled, node: dict[str, Any]) -> str:
        """A call of a compiled closure for `node` (which reads the names in scope from the context)."""

    def name(self, name: str) -> str:
        """Python source reading a CQL alias, let or operand (a local, else from ctx.vars)."""


NodeCompiler = Callable[[dict[str, Any], Compiler], Compiled]
#: Writes a node as a Python expression (or as a call of a closure it compiles, for its rarer forms).
NodeEmitter = Callable[[dict[str, Any], Emitter], str]

REGISTRY: dict[str, NodeCompiler] = {}
EMITTERS: dict[str, NodeEmitter] = {}


def _register(table: dict[str, Any], node_types: tuple[str, ...]) -> Callable[[Any], Any]:
    def register(fn: Any) -> Any:
        for node_type in node_types:
            if node_type in REGISTRY or node_type in EMITTERS:
                owner = REGISTRY.get(node_type) or EMITTERS[node_type]
                raise RuntimeError(f"ELM node type {node_type} registered twice ({owner.__module__}, {fn.__module__})")
            table[node_type] = fn
        return fn
    return register


def compiles(*node_types: str) -> Callable[[NodeCompiler], NodeCompiler]:
    """Register the decorated function as the compile function of each ELM node type named."""
    return _register(REGISTRY, node_types)


def emits(*node_types: str) -> Callable[[NodeEmitter], NodeEmitter]:
    """Register the decorated function as the emit function of each ELM node type named."""
    return _register(EMITTERS, node_types)
