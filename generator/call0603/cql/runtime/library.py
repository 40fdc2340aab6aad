"""A compiled library: its definitions, functions, parameters and terminology, ready to evaluate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..datatypes.code import Code, CodeSystem, Concept, ValueSet
from .context import MISSING, Context
from .types import Type

Compiled = Callable[[Context], Any]


class Definition:
    """An expression definition: compiled body, evaluated once per context and cached there."""

    __slots__ = ("name", "library", "context", "result_type", "body")

    def __init__(self, name: str, library: str, context: str | None, result_type: Type) -> None:
        self.name = name
        self.library = library
        self.context = context
        self.result_type = result_type
        self.body: Compiled | None = None

    def evaluate(self, ctx: Context) -> Any:
        """The definition's value in `ctx`, computed on first use."""
        cache = ctx.cache
        value = cache.get(self, MISSING)
        if value is MISSING:
            value = self.body(ctx)  # type: ignore[misc]
            cache[self] = value
        return value

    def __repr__(self) -> str:
        return f"Definition({self.library}.{self.name})"


class FunctionDefinition:
    """A function definition: operand names and types, compiled body (or a native implementation)."""

    __slots__ = ("name", "library", "operand_names", "operand_types", "result_type", "fluent", "external", "body", "node",
                 "direct", "shared")

    def __init__(self, name: str, library: str, operand_names: tuple[str, ...], operand_types: tuple[Type, ...],
                 result_type: Type, fluent: bool, external: bool, node: dict[str, Any]) -> None:
        self.name = name
        self.library = library
        self.operand_names = operand_names
        self.operand_types = operand_types
        self.result_type = result_type
        self.fluent = fluent
        self.external = external
        self.node = node
        self.body: Compiled | None = None
        self.direct: Callable[..., Any] | None = None
        #: Values of calls on an interned constant shared by every evaluation, by the constant's identity; MISSING
        #: for a call found to read the evaluation (or being computed).
        self.shared: dict[int, Any] = {}

    def bind(self, direct: Callable[..., Any]) -> None:
        """Set the implementation: `direct(ctx, *operands)`, and `body(ctx)` reading the operands from ctx.vars."""
        names = self.operand_names
        self.direct = direct
        self.body = lambda ctx: direct(ctx, *[ctx.vars.get(n) for n in names])

    def __repr__(self) -> str:
        return f"FunctionDefinition({self.library}.{self.name}/{len(self.operand_names)})"


class ParameterDefinition:
    """A parameter: the caller's value for its library if given, else its default, cached per context."""

    __slots__ = ("name", "library", "type", "default")

    def __init__(self, name: str, library: str, type_: Type) -> None:
        self.name = name
        self.library = library
        self.type = type_
        self.default: Compiled | None = None

    def evaluate(self, ctx: Context) -> Any:
        """The parameter's value in `ctx`."""
        supplied = ctx.parameters.get(self.library)
        if supplied is not None and self.name in supplied:
            return supplied[self.name]
        cache = ctx.cache
        value = cache.get(self, MISSING)
        if value is MISSING:
            value = self.default(ctx) if self.default is not None else None
            cache[self] = value
        return value


@dataclass
class CompiledLibrary:
    """One ELM library compiled to closures; includes point at other compiled libraries by local name."""

    name: str
    version: str | None
    elm: dict[str, Any] = field(repr=False)
    includes: dict[str, CompiledLibrary] = field(default_factory=dict, repr=False)
    expressions: dict[str, Definition] = field(default_factory=dict, repr=False)
    functions: dict[str, list[FunctionDefinition]] = field(default_factory=dict, repr=False)
    parameters: dict[str, ParameterDefinition] = field(default_factory=dict, repr=False)
    codesystems: dict[str, CodeSystem] = field(default_factory=dict, repr=False)
    valuesets: dict[str, ValueSet] = field(default_factory=dict, repr=False)
    codes: dict[str, Code] = field(default_factory=dict, repr=False)
    concepts: dict[str, Concept] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> str:
        """`Name|version`: how parameters and caches tell libraries apart."""
        return f"{self.name}|{self.version or ''}"

    def included(self, local_name: str | None) -> CompiledLibrary:
        """This library (no name) or the one included under `local_name`."""
        if local_name is None:
            return self
        return self.includes[local_name]
