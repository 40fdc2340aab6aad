"""References: expression, function (overloads bound at load time), parameter, operand, alias, let, terminology."""

from __future__ import annotations

from typing import Any

from ..fhir import helpers
from ..fhir.model import MODEL
from ..fhir.properties import element_getter
from ..runtime.library import CompiledLibrary, FunctionDefinition
from ..runtime.types import Type, from_specifier, result_type
from .registry import Compiled, Compiler, compiles
from .structured import THIS


def _constant(value: Any) -> Compiled:
    return lambda ctx: value


def _lookup(table: str, node: dict[str, Any], compiler: Compiler, what: str) -> Any:
    """A declaration of this or an included library (expressions, parameters, codes…) by name."""
    owner: CompiledLibrary = compiler.target(node.get("libraryName"), node)  # type: ignore[attr-defined]
    try:
        return getattr(owner, table)[node["name"]]
    except KeyError:
        raise compiler.error(node, f"{what} {node['name']!r} is not defined in {owner.key}") from None


@compiles("ExpressionRef")
def _expression_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _lookup("expressions", node, compiler, "expression").evaluate


@compiles("ParameterRef")
def _parameter_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _lookup("parameters", node, compiler, "parameter").evaluate


@compiles("CodeSystemRef")
def _codesystem_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _constant(_lookup("codesystems", node, compiler, "code system"))


@compiles("ValueSetRef")
def _valueset_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    valueset = _lookup("valuesets", node, compiler, "value set")
    if node.get("preserve", False):
        return _constant(valueset)
    return lambda ctx: ctx.require_terminology().expand(valueset.id, valueset.version)


@compiles("CodeRef")
def _code_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _constant(_lookup("codes", node, compiler, "code"))


@compiles("ConceptRef")
def _concept_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _constant(_lookup("concepts", node, compiler, "concept"))


def _variable(name: str) -> Compiled:
    def read(ctx: Any) -> Any:
        return ctx.vars.get(name)
    return read


@compiles("OperandRef", "AliasRef", "QueryLetRef")
def _variable_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    return _variable(node["name"])


@compiles("IdentifierRef")
def _identifier_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    name = node["name"]
    if compiler.in_scope(name):  # type: ignore[attr-defined]
        return _variable(name)
    getter, _ = element_getter(compiler.scope_type(THIS), name)  # type: ignore[attr-defined]
    return lambda ctx: getter(ctx.vars.get(THIS), ctx)


# --- functions -----------------------------------------------------------------------------------------

def _assignable(actual: Type, declared: Type) -> int | None:
    """How well a value of static type `actual` fits an operand declared `declared` (None: not at all)."""
    if declared is None or actual is None:
        return 1
    if actual == declared:
        return 0
    if declared == ("named", "System", "Any"):
        return 3
    if actual[0] == "named" and declared[0] == "named":
        if actual[1] == "FHIR" and declared[1] == "FHIR" and MODEL.is_subtype(actual[2], declared[2]):
            return 1
        if actual[1] == declared[1] == "System" and (actual[2], declared[2]) in _IMPLICIT:
            return 2
        if actual == ("named", "System", "Any"):
            return 2
        return None
    if actual[0] == declared[0] and actual[0] in ("list", "interval"):
        return _assignable(actual[1], declared[1])
    if actual[0] == "choice":
        return 2 if any(_assignable(c, declared) is not None for c in actual[1]) else None
    if actual[0] == declared[0] == "tuple":
        return 1
    return None


_IMPLICIT = {("Integer", "Decimal"), ("Integer", "Long"), ("Long", "Decimal"), ("Integer", "Quantity"),
             ("Decimal", "Quantity"), ("Date", "DateTime"), ("Code", "Concept")}


def choose_overload(candidates: list[FunctionDefinition], argument_types: tuple[Type, ...]) -> FunctionDefinition | None:
    """The overload whose declared operand types best fit the arguments' static types."""
    best: tuple[int, FunctionDefinition] | None = None
    tie = False
    for fn in candidates:
        scores = [_assignable(a, d) for a, d in zip(argument_types, fn.operand_types)]
        if any(s is None for s in scores):
            continue
        total = sum(scores)
        if best is None or total < best[0]:
            best, tie = (total, fn), False
        elif total == best[0]:
            tie = True
    if best is None or tie:
        return None
    return best[1]


def _argument_types(node: dict[str, Any]) -> tuple[Type, ...]:
    operands = node.get("operand") or []
    signature = node.get("signature") or []
    if len(signature) == len(operands) and signature:
        return tuple(from_specifier(s) for s in signature)
    return tuple(result_type(o) for o in operands)


@compiles("FunctionRef")
def _function_ref(node: dict[str, Any], compiler: Compiler) -> Compiled:
    owner: CompiledLibrary = compiler.target(node.get("libraryName"), node)  # type: ignore[attr-defined]
    operands = node.get("operand") or []
    arguments = [compiler.compile(o) for o in operands]
    types = _argument_types(node)
    if owner.name == "FHIRHelpers" and compiler.options.native_fhirhelpers:  # type: ignore[attr-defined]
        native = helpers.native(node["name"], types)
        if native is not None:
            return _native_call(native, arguments)
        timed = helpers.native_with_offset(node["name"], types)
        if timed is not None:
            (argument,) = arguments
            return lambda ctx: timed(argument(ctx), ctx.timezone_offset)
    candidates = [f for f in owner.functions.get(node["name"], ()) if len(f.operand_names) == len(operands)]
    if not candidates:
        raise compiler.error(node, f"function {node['name']} of {len(operands)} operands is not defined in {owner.key}")
    chosen = candidates[0] if len(candidates) == 1 else choose_overload(candidates, types)
    if chosen is None:
        raise compiler.error(node, f"cannot choose among {len(candidates)} overloads of {node['name']} "
                                   f"for ({', '.join(map(str, types))})")
    if chosen.external:
        raise compiler.error(node, f"external function {node['name']} has no implementation")
    return _call(chosen, arguments)


def _native_call(native: Any, arguments: list[Compiled]) -> Compiled:
    if len(arguments) == 1:
        (argument,) = arguments
        return lambda ctx: native(argument(ctx))
    return lambda ctx: native(*[a(ctx) for a in arguments])


def _call(fn: FunctionDefinition, arguments: list[Compiled]) -> Compiled:
    """A call of a library function. CQL functions have no side effects, so a call is remembered per context by
    the identity of its arguments (kept alive in the cache, so an identity cannot be reused meanwhile)."""
    names = fn.operand_names
    if len(arguments) == 1:
        (argument,) = arguments
        (name,) = names

        def call_one(ctx: Any) -> Any:
            value = argument(ctx)
            key = (fn, id(value))
            cache = ctx.cache
            hit = cache.get(key)
            if hit is not None and hit[0] is value:
                return hit[1]
            saved = ctx.vars
            ctx.vars = {name: value}
            try:
                result = fn.body(ctx)  # type: ignore[misc]
            finally:
                ctx.vars = saved
            cache[key] = (value, result)
            return result
        return call_one

    if len(arguments) == 2:
        first, second = arguments
        first_name, second_name = names

        def call_two(ctx: Any) -> Any:
            a, b = first(ctx), second(ctx)
            key = (fn, id(a), id(b))
            cache = ctx.cache
            hit = cache.get(key)
            if hit is not None:
                return hit[1]
            saved = ctx.vars
            ctx.vars = {first_name: a, second_name: b}
            try:
                result = fn.body(ctx)  # type: ignore[misc]
            finally:
                ctx.vars = saved
            cache[key] = ((a, b), result)
            return result
        return call_two

    def call(ctx: Any) -> Any:
        values = [a(ctx) for a in arguments]
        key = (fn, *map(id, values))
        cache = ctx.cache
        hit = cache.get(key)
        if hit is not None:
            return hit[1]
        saved = ctx.vars
        ctx.vars = dict(zip(names, values))
        try:
            result = fn.body(ctx)  # type: ignore[misc]
        finally:
            ctx.vars = saved
        cache[key] = (values, result)
        return result
    return call
