"""Clinical operators: value-set and code-system membership, ExpandValueSet, CalculateAge and CalculateAgeAt."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..datatypes.code import Code, CodeSystem, Concept, ValueSet
from ..datatypes.datetime import Date, DateTime, duration_between, precision_index
from ..datatypes.uncertainty import Uncertainty
from ..runtime.errors import CqlRuntimeError
from .registry import Compiled, Compiler, compiles


def _pairs(value: Any) -> Iterable[tuple[str | None, str | None]] | None:
    """(system, code) pairs of a String (no system), Code or Concept; None for null."""
    if value is None:
        return None
    if isinstance(value, str):
        return ((None, value),)
    if isinstance(value, Code):
        return ((value.system, value.code),)
    if isinstance(value, Concept):
        return [(c.system, c.code) for c in value.codes]
    raise CqlRuntimeError(f"membership test of a {type(value).__name__}")


def _member(pairs: Iterable[tuple[str | None, str | None]], members: frozenset[tuple[str, str]]) -> bool:
    for system, code in pairs:
        if system is None:
            if any(code == member_code for _, member_code in members):
                return True
        elif (system, code) in members:
            return True
    return False


def _valueset(node: dict[str, Any], compiler: Compiler) -> Compiled:
    if node.get("valueset") is not None:
        ref = dict(node["valueset"], type="ValueSetRef", preserve=True)
        return compiler.compile(ref)
    return compiler.compile(node["valuesetExpression"])


def _members_of(ctx: Any, valueset: Any) -> frozenset[tuple[str, str]]:
    if isinstance(valueset, ValueSet):
        return ctx.require_terminology().members(valueset.id, valueset.version)
    if isinstance(valueset, list):
        return frozenset((c.system, c.code) for c in valueset if isinstance(c, Code))
    raise CqlRuntimeError(f"not a value set: {valueset!r}")


def _codesystem(node: dict[str, Any], compiler: Compiler) -> Compiled:
    if node.get("codesystem") is not None:
        return compiler.compile(dict(node["codesystem"], type="CodeSystemRef"))
    return compiler.compile(node["codesystemExpression"])


Pairs = Iterable[tuple[str | None, str | None]]


def _membership(operand: str, container: Callable[[dict[str, Any], Compiler], Compiled],
                test: Callable[[Any, Pairs, Any], bool]) -> Callable[[dict[str, Any], Compiler], Compiled]:
    """In/AnyIn a value set or code system: false for a null code (or list) or a null container."""
    single = operand == "code"

    def build(node: dict[str, Any], compiler: Compiler) -> Compiled:
        codes = compiler.compile(node[operand])
        holder = container(node, compiler)

        def run(ctx: Any) -> bool:
            value = codes(ctx)
            where = holder(ctx) if value is not None else None
            if not value or where is None:
                return False
            found = (_pairs(v) for v in ([value] if single else value))
            return any(test(ctx, pairs, where) for pairs in found if pairs is not None)
        return run
    return build


def _in_valueset_test(ctx: Any, pairs: Pairs, valueset: Any) -> bool:
    return _member(pairs, _members_of(ctx, valueset))


def _in_codesystem_test(ctx: Any, pairs: Pairs, system: CodeSystem) -> bool:
    return any(s == system.id for s, _ in pairs)


compiles("InValueSet")(_membership("code", _valueset, _in_valueset_test))
compiles("AnyInValueSet")(_membership("codes", _valueset, _in_valueset_test))
compiles("InCodeSystem")(_membership("code", _codesystem, _in_codesystem_test))
compiles("AnyInCodeSystem")(_membership("codes", _codesystem, _in_codesystem_test))


@compiles("ExpandValueSet")
def _expand(node: dict[str, Any], compiler: Compiler) -> Compiled:
    valueset = compiler.compile(node["operand"])

    def run(ctx: Any) -> list[Code] | None:
        vs = valueset(ctx)
        if vs is None:
            return None
        return list(ctx.require_terminology().expand(vs.id, vs.version))
    return run


def age(birth: Any, as_of: Any, unit: int) -> Any:
    """Whole units from birth to as_of (an Uncertainty when imprecision leaves a range); null if either is null."""
    if birth is None or as_of is None:
        return None
    if isinstance(birth, Date) and isinstance(as_of, DateTime):
        as_of = as_of.date()
    between = duration_between(birth, as_of, unit)
    return Uncertainty.of(*between) if isinstance(between, tuple) else between


@compiles("CalculateAge")
def _calculate_age(node: dict[str, Any], compiler: Compiler) -> Compiled:
    birth = compiler.compile(node["operand"])
    unit = precision_index(node.get("precision") or "Year")

    def run(ctx: Any) -> Any:
        born = birth(ctx)
        if born is None:
            return None
        now = ctx.require_now()
        return age(born, now.date() if isinstance(born, Date) else now, unit)  # type: ignore[arg-type]
    return run


@compiles("CalculateAgeAt")
def _calculate_age_at(node: dict[str, Any], compiler: Compiler) -> Compiled:
    birth, as_of = (compiler.compile(o) for o in node["operand"])
    unit = precision_index(node.get("precision") or "Year")
    return lambda ctx: age(birth(ctx), as_of(ctx), unit)  # type: ignore[arg-type]
