"""Retrieve over one patient's indexed resources: by type, filtered by codes or a value set, and by date range."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..datatypes.code import Code, Concept, ValueSet
from ..elm.comparison import compare
from ..elm.registry import Compiled, Compiler, compiles
from ..runtime.context import MISSING, Context
from ..runtime.types import named
from .helpers import period_to_interval
from .model import MODEL, choice_key, to_date, to_datetime

#: Node types whose value cannot change within an evaluation: a code filter made only of them is built once.
_CONSTANT_NODES = frozenset({"ToList", "List", "CodeRef", "Code", "ConceptRef", "Concept", "CodeSystemRef",
                             "ValueSetRef", "Literal", "ToConcept", "ToCode"})

Pair = tuple[Any, Any]


def _constant(node: Any) -> bool:
    """True when an expression is built only of terminology references and literals."""
    if isinstance(node, dict):
        if "type" in node and node["type"] not in _CONSTANT_NODES and not node["type"].endswith("TypeSpecifier"):
            return False
        return all(_constant(v) for k, v in node.items() if k not in ("annotation", "signature"))
    if isinstance(node, list):
        return all(_constant(v) for v in node)
    return True


def resource_codes(value: Any) -> Iterable[Pair]:
    """(system, code) pairs of a code element: CodeableConcept, Coding, code string, or a list of them."""
    if value is None:
        return ()
    if isinstance(value, str):
        return ((None, value),)
    if isinstance(value, list):
        return [pair for item in value for pair in resource_codes(item)]
    if isinstance(value, dict):
        if "coding" in value:
            coding = value["coding"]
            return [pair for c in coding for pair in resource_codes(c) if isinstance(c, dict)] if isinstance(coding, list) else []
        if "code" in value:
            pair = (value.get("system"), value.get("code"))
            return (pair,) if all(p is None or isinstance(p, str) for p in pair) else ()
    return ()


def _pairs(codes: Any) -> frozenset[Pair] | ValueSet:
    """The filter a codes value stands for: a value set, or the (system, code) pairs of Codes/Concepts."""
    if isinstance(codes, ValueSet):
        return codes
    items = codes if isinstance(codes, list) else [codes]
    pairs: set[Pair] = set()
    for item in items:
        if isinstance(item, Code):
            pairs.add((item.system, item.code))
        elif isinstance(item, Concept):
            pairs.update((c.system, c.code) for c in item.codes)
        elif isinstance(item, str):
            pairs.add((None, item))
    return frozenset(pairs)


def _bare_codes(wanted: frozenset[Pair]) -> frozenset[Any]:
    """The codes given without a system (a bare string code matches any system's code)."""
    return frozenset(code for system, code in wanted if system is None)


def _filtered(coded: list[tuple[dict[str, Any], frozenset[Pair]]], wanted: frozenset[Pair],
              bare: frozenset[Any]) -> list[dict[str, Any]]:
    """The resources having a (system, code) pair wanted, or a code wanted without system (code equivalence)."""
    if not bare:
        return [r for r, found in coded if not wanted.isdisjoint(found)]
    return [r for r, found in coded if not wanted.isdisjoint(found) or any(pair[1] in bare for pair in found)]


#: The element types a retrieve by code can read codes from.
_CODED_TYPES = frozenset({"CodeableConcept", "Coding", "code", "string", "uri"})


def _code_keys(resource_type: str, path: str) -> tuple[str, ...]:
    """The JSON keys a code path is stored under: itself, or, for a choice element (`medication[x]`), the key of each
    of its coded types (`medicationCodeableConcept`): a reference alternative holds no code to match."""
    spec = MODEL.element(resource_type, path)
    if isinstance(spec, tuple) and spec[0] == "choice":
        return tuple(choice_key(path, t) for t in spec[1] if t in _CODED_TYPES)
    return (path,)


def _date_reader(resource_type: str, path: str) -> Callable[[dict[str, Any], Any], Any]:
    """Reads a date element (choice elements included) as a DateTime, Date or Interval."""
    spec = MODEL.element(resource_type, path)
    keys = [choice_key(path, t) for t in spec[1]] if isinstance(spec, tuple) and spec[0] == "choice" else [path]

    def read(resource: dict[str, Any], offset: Any) -> Any:
        for key in keys:
            value = resource.get(key)
            if value is None:
                continue
            if isinstance(value, dict):
                return period_to_interval(value, offset) if ("start" in value or "end" in value) else None
            return to_datetime(value, offset) if "T" in value else to_date(value)
        return None
    return read


def _maybe_within(value: Any, low: Any, high: Any) -> bool:
    """False only when the value certainly lies outside [low, high] (the query's own where clause decides)."""
    if value is None:
        return False
    start, end = (value.low, value.high) if hasattr(value, "low_closed") else (value, value)
    if low is not None and end is not None and compare(end, low) == -1:
        return False
    if high is not None and start is not None and compare(start, high) == 1:
        return False
    return True


@compiles("Retrieve")
def _retrieve(node: dict[str, Any], compiler: Compiler) -> Compiled:
    resource_type = named(node["dataType"])[2]
    if node.get("codeFilter") or node.get("dateFilter") or node.get("otherFilter") or node.get("include"):
        raise compiler.error(node, "retrieve with codeFilter/dateFilter/otherFilter/include is not supported")
    codes_node = node.get("codes")
    code_filter: Callable[[Context], tuple[frozenset[Pair], frozenset[Any]]] | None = None
    code_keys: tuple[str, ...] = ()
    if codes_node is not None:
        code_path = node.get("codeProperty") or MODEL.primary_code_path(resource_type)
        if not code_path:
            raise compiler.error(node, f"{resource_type} has no code property to filter on")
        code_keys = _code_keys(resource_type, code_path)
        codes = compiler.compile(codes_node)
        fixed: list[tuple[frozenset[Pair], frozenset[Any]]] = []
        constant_codes = _constant(codes_node)

        def build_filter(ctx: Context) -> tuple[frozenset[Pair], frozenset[Any]]:
            if fixed:
                return fixed[0]
            wanted = _pairs(codes(ctx))
            if isinstance(wanted, ValueSet):
                return ctx.require_terminology().members(wanted.id, wanted.version), frozenset()
            built = (wanted, _bare_codes(wanted))
            if constant_codes:
                fixed.append(built)
            return built
        code_filter = build_filter
    date_range = compiler.compile_optional(node.get("dateRange"))  # type: ignore[attr-defined]
    read_date = _date_reader(resource_type, node["dateProperty"]) if node.get("dateProperty") else None
    cacheable = _constant(codes_node) and _constant(node.get("dateRange"))
    key = object()

    def run(ctx: Context) -> list[dict[str, Any]]:
        data = ctx.data
        if data is None:
            return []
        if cacheable:
            found = ctx.cache.get(key, MISSING)
            if found is not MISSING:
                return found
        if code_filter is not None:
            coded = [pair for k in code_keys for pair in data.coded(resource_type, k)]
            resources = _filtered(coded, *code_filter(ctx)) if coded else []
        else:
            resources = data.by_type.get(resource_type, [])
        if read_date is not None and date_range is not None and resources:
            window = date_range(ctx)
            if window is not None:
                offset = ctx.timezone_offset
                resources = [r for r in resources if _maybe_within(read_date(r, offset), window.low, window.high)]
        if cacheable:
            ctx.cache[key] = resources
        return resources
    return run
