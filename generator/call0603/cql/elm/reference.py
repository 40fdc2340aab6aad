"""References: expression, function (overloads bound at load time), parameter, operand, alias, let, terminology."""

from __future__ import annotations

from typing import Any, Callable

from ..fhir import helpers
from ..fhir.model import MODEL
from ..fhir.properties import element_getter
from ..runtime.library import CompiledLibrary, FunctionDefinition
from ..runtime.types import Type, from_specifier, result_type
from .registry import Compiler, Emitter, emits
from .structured import THIS


def _lookup(table: str, node: dict[str, Any], compiler: Compiler, what: str) -> Any:
    """A declaration of this or an included library (expressions, parameters, codes…) by name."""
    owner: CompiledLibrary = compiler.target(node.get("libraryName"), node)  # type: ignore[attr-defined]
    try:
        return getattr(owner, table)[node["name"]]
    except KeyError:
        raise compiler.error(node, f"{what} {node['name']!r} is not defined in {owner.key}") from None


def _evaluated(table: str, what: str) -> Callable[[dict[str, Any], Emitter], str]:
    """An expression or parameter reference: its definition's (cached) value in this evaluation."""
    def emit(node: dict[str, Any], em: Emitter) -> str:
        return f"{em.constant(_lookup(table, node, em.compiler, what).evaluate)}(ctx)"
    return emit


def _declared(table: str, what: str) -> Callable[[dict[str, Any], Emitter], str]:
    """A code system, code or concept reference: the declared value itself."""
    def emit(node: dict[str, Any], em: Emitter) -> str:
        return em.constant(_lookup(table, node, em.compiler, what))
    return emit


@emits("ExpressionRef")
def _expression_ref(node: dict[str, Any], em: Emitter) -> str:
    """A define's value: read from the evaluation's cache in the generated code, computed on first use."""
    definition = _lookup("expressions", node, em.compiler, "expression")
    key, value = em.constant(definition), em.temp()  # type: ignore[attr-defined]
    return f"({value} if ({value} := ctx.cache.get({key}, _M)) is not _M else {key}.evaluate(ctx))"


emits("ParameterRef")(_evaluated("parameters", "parameter"))
emits("CodeSystemRef")(_declared("codesystems", "code system"))
emits("CodeRef")(_declared("codes", "code"))
emits("ConceptRef")(_declared("concepts", "concept"))


@emits("ValueSetRef")
def _valueset_ref(node: dict[str, Any], em: Emitter) -> str:
    valueset = _lookup("valuesets", node, em.compiler, "value set")
    if node.get("preserve", False):
        return em.constant(valueset)
    return f"ctx.require_terminology().expand({valueset.id!r}, {valueset.version!r})"


@emits("OperandRef", "AliasRef", "QueryLetRef")
def _variable_ref(node: dict[str, Any], em: Emitter) -> str:
    return em.name(node["name"])  # type: ignore[attr-defined]


@emits("IdentifierRef")
def _identifier_ref(node: dict[str, Any], em: Emitter) -> str:
    name = node["name"]
    if em.compiler.in_scope(name):
        return em.name(name)  # type: ignore[attr-defined]
    getter, _ = element_getter(em.compiler.scope_type(THIS), name)
    return f"{em.constant(getter)}({em.name(THIS)}, ctx)"  # type: ignore[attr-defined]


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


@emits("FunctionRef")
def _function_ref(node: dict[str, Any], em: Emitter) -> str:
    compiler = em.compiler
    owner: CompiledLibrary = compiler.target(node.get("libraryName"), node)
    operands = node.get("operand") or []
    arguments = [em.expr(o) for o in operands]
    types = _argument_types(node)
    if owner.name == "FHIRHelpers" and compiler.options.native_fhirhelpers:
        native = helpers.native(node["name"], types)
        if native is not None:
            return f"{em.constant(native)}({', '.join(arguments)})"
        timed = helpers.native_with_offset(node["name"], types)
        if timed is not None:
            (argument,) = arguments
            return f"{em.constant(timed)}({argument}, ctx.timezone_offset)"
    candidates = [f for f in owner.functions.get(node["name"], ()) if len(f.operand_names) == len(operands)]
    if not candidates:
        raise compiler.error(node, f"function {node['name']} of {len(operands)} operands is not defined in {owner.key}")
    chosen = candidates[0] if len(candidates) == 1 else choose_overload(candidates, types)
    if chosen is None:
        raise compiler.error(node, f"cannot choose among {len(candidates)} overloads of {node['name']} "
                                   f"for ({', '.join(map(str, types))})")
    if chosen.external:
        raise compiler.error(node, f"external function {node['name']} has no implementation")
    return f"{em.constant(chosen)}.direct({', '.join(['ctx', *arguments])})"
