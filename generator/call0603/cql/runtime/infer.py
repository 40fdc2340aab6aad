"""Result types for ELM translated without them: resolved from the FHIR model info and the operator signatures.

The CQL IG's recommended translator options leave out `resultTypeName`/`resultTypeSpecifier`, and published
Libraries ship such ELM; the compiler picks implementations by static type (a FHIR primitive's `.value`, a choice
element's keys, an overload of FHIRHelpers.ToInterval). `annotate` walks a library once, before it is compiled, and
writes the type it can resolve on every expression node that has none (and on its definitions), so the compiler
sees the same ELM either way. A node whose type cannot be resolved is left without one, as before.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ..fhir.model import MODEL
from ..fhir.properties import element_getter
from .library import CompiledLibrary
from .types import ANY, FHIR_URI, SYSTEM_URI, Type, from_specifier, named, result_type

_BOOLEAN = named("System.Boolean")
_INTEGER = named("System.Integer")
_DECIMAL = named("System.Decimal")
_STRING = named("System.String")

#: Operators whose result type does not depend on their operands.
_FIXED: dict[str, Type] = {
    **{op: _BOOLEAN for op in (
        "And", "Or", "Xor", "Implies", "Not", "Equal", "Equivalent", "NotEqual", "Less", "Greater", "LessOrEqual",
        "GreaterOrEqual", "In", "Contains", "Includes", "IncludedIn", "ProperIncludes", "ProperIncludedIn",
        "ProperIn", "ProperContains", "Exists", "IsNull", "IsTrue", "IsFalse", "Overlaps", "OverlapsBefore",
        "OverlapsAfter", "Meets", "MeetsBefore", "MeetsAfter", "Starts", "Ends", "Before", "After", "SameAs",
        "SameOrBefore", "SameOrAfter", "InValueSet", "InCodeSystem", "AnyInValueSet", "AnyInCodeSystem",
        "StartsWith", "EndsWith", "Matches", "AllTrue", "AnyTrue", "Is", "ToBoolean", "ConvertsToBoolean",
        "ConvertsToDate", "ConvertsToDateTime", "ConvertsToDecimal", "ConvertsToInteger", "ConvertsToLong",
        "ConvertsToQuantity", "ConvertsToString", "ConvertsToTime", "Subsumes", "SubsumedBy")},
    **{op: _INTEGER for op in (
        "CalculateAge", "CalculateAgeAt", "Count", "DurationBetween", "DifferenceBetween", "Length", "PositionOf",
        "LastPositionOf", "IndexOf", "DateTimeComponentFrom", "ToInteger", "Truncate", "Floor", "Ceiling")},
    **{op: _DECIMAL for op in ("ToDecimal", "Ln", "Exp", "Log", "Avg", "Variance", "StdDev", "PopulationVariance",
                               "PopulationStdDev")},
    **{op: _STRING for op in ("ToString", "Concatenate", "Combine", "Upper", "Lower", "Substring")},
    "ToLong": named("System.Long"), "ToQuantity": named("System.Quantity"), "ToRatio": named("System.Ratio"),
    "ToConcept": named("System.Concept"), "ToCode": named("System.Code"), "ToDate": named("System.Date"),
    "ToDateTime": named("System.DateTime"), "ToTime": named("System.Time"), "Now": named("System.DateTime"),
    "Today": named("System.Date"), "TimeOfDay": named("System.Time"), "DateFrom": named("System.Date"),
    "TimeFrom": named("System.Time"), "Date": named("System.Date"), "DateTime": named("System.DateTime"),
    "Time": named("System.Time"), "ValueSetRef": named("System.ValueSet"), "CodeRef": named("System.Code"),
    "Code": named("System.Code"), "ConceptRef": named("System.Concept"), "Concept": named("System.Concept"),
    "CodeSystemRef": named("System.CodeSystem"), "Quantity": named("System.Quantity"),
    "Ratio": named("System.Ratio"),
}
#: Operators whose result has the type of their first operand.
_LIKE_OPERAND = frozenset({
    "Add", "Subtract", "Multiply", "TruncatedDivide", "Modulo", "Negate", "Abs", "Predecessor", "Successor",
    "Round", "Power", "Distinct", "Union", "Intersect", "Except", "Message", "Expand", "Collapse", "Precision",
    "LowBoundary", "HighBoundary",
})
#: Operators whose result is an element of their (first) list operand.
_ELEMENT_OF = frozenset({"First", "Last", "SingletonFrom", "Indexer", "Min", "Max", "Sum", "Median", "Mode", "Product",
                         "GeometricMean"})
#: Operators whose result is the point type of their interval operand.
_POINT_OF = frozenset({"Start", "End", "PointFrom", "Width", "Size"})


def needs_types(library: Mapping[str, Any]) -> bool:
    """True when no definition of the library carries a result type (ELM translated without them)."""
    statements = ((library.get("statements") or {}).get("def")) or []
    bodies = [d["expression"] for d in statements if d.get("expression") is not None]
    return bool(bodies) and not any(result_type(e) for e in bodies)


def _write(node: dict[str, Any], t: Type) -> None:
    """Record `t` on the node as the translator would have."""
    if t is None or result_type(node) is not None:
        return
    if t[0] == "named":
        uri = {"System": SYSTEM_URI, "FHIR": FHIR_URI}.get(t[1], t[1])
        node["resultTypeName"] = f"{{{uri}}}{t[2]}"
    else:
        node["resultTypeSpecifier"] = _specifier(t)


def _specifier(t: Type) -> dict[str, Any]:
    if t is None:
        return {"type": "NamedTypeSpecifier", "name": "{urn:hl7-org:elm-types:r1}Any"}
    if t[0] == "named":
        uri = {"System": SYSTEM_URI, "FHIR": FHIR_URI}.get(t[1], t[1])
        return {"type": "NamedTypeSpecifier", "name": f"{{{uri}}}{t[2]}"}
    if t[0] == "list":
        return {"type": "ListTypeSpecifier", "elementType": _specifier(t[1])}
    if t[0] == "interval":
        return {"type": "IntervalTypeSpecifier", "pointType": _specifier(t[1])}
    if t[0] == "tuple":
        return {"type": "TupleTypeSpecifier", "element": [{"name": n, "elementType": _specifier(e)} for n, e in t[1]]}
    return {"type": "ChoiceTypeSpecifier", "choice": [_specifier(c) for c in t[1]]}


def _element(t: Type) -> Type:
    return t[1] if t is not None and t[0] == "list" else None


def _property_type(source: Type, path: str) -> Type:
    """The type of `path` (dotted) read from a value of type `source`; a list source gives a list."""
    t = source
    for step in path.split("."):
        if t is None:
            return None
        if t[0] == "list":
            inner = _property_type(t[1], step)
            t = None if inner is None else inner if inner[0] == "list" else ("list", inner)
            continue
        if t[0] == "interval":
            t = t[1] if step in ("low", "high") else _BOOLEAN if step in ("lowClosed", "highClosed") else None
            continue
        if t[0] == "named" and t[1] == "System" and t[2] in ("Quantity",):
            t = _DECIMAL if step == "value" else _STRING if step == "unit" else None
            continue
        if t[0] == "named" and t[1] == "System" and t[2] == "Code":
            t = _STRING if step in ("code", "system", "version", "display") else None
            continue
        t = element_getter(t, step)[1]
    return t


def _assignable(argument: Type, declared: Type) -> bool | None:
    """True/False when an argument of this type can/cannot be passed for that operand type; None if unknown."""
    if argument is None or declared is None:
        return None
    if argument == declared or declared == ANY:
        return True
    if argument[0] == "named" and declared[0] == "named":
        if argument[1] == declared[1] == "FHIR":
            return MODEL.is_subtype(argument[2], declared[2])
        return False
    if argument[0] != declared[0]:
        return False
    if argument[0] in ("list", "interval"):
        return _assignable(argument[1], declared[1])
    return None


class _Resolver:
    """Types of one library's nodes; definitions are resolved on first reference (forward references allowed)."""

    def __init__(self, library: dict[str, Any], includes: Mapping[str, CompiledLibrary]) -> None:
        self.includes = includes
        statements = ((library.get("statements") or {}).get("def")) or []
        self.expressions = {d["name"]: d for d in statements if d.get("type") != "FunctionDef"}
        self.functions: dict[str, list[dict[str, Any]]] = {}
        for d in statements:
            if d.get("type") == "FunctionDef":
                self.functions.setdefault(d["name"], []).append(d)
        self.parameters = {d["name"]: d for d in ((library.get("parameters") or {}).get("def")) or []}
        self.done: set[int] = set()
        self.busy: set[int] = set()

    # --- definitions ----------------------------------------------------------------------------------

    def definition(self, d: dict[str, Any], scope: dict[str, Type]) -> Type:
        """Resolve a definition once (its expression annotated, its own type recorded)."""
        key = id(d)
        if key in self.done or key in self.busy:
            return result_type(d)
        self.busy.add(key)
        try:
            if d.get("expression") is not None:
                t = self.node(d["expression"], scope)
                _write(d, t if d.get("type") != "FunctionDef" or result_type(d) is None else None)
            self.done.add(key)
        finally:
            self.busy.discard(key)
        return result_type(d)

    def function(self, d: dict[str, Any]) -> Type:
        declared = from_specifier(d.get("resultTypeSpecifier"))
        if declared is not None or result_type(d) is not None:
            return declared or result_type(d)
        operands = {o["name"]: from_specifier(o.get("operandTypeSpecifier")) for o in d.get("operand") or ()}
        return self.definition(d, operands)

    def parameter(self, d: dict[str, Any]) -> Type:
        declared = from_specifier(d.get("parameterTypeSpecifier")) or result_type(d)
        default = self.node(d["default"], {}) if d.get("default") is not None else None
        t = declared or default
        _write(d, t)
        return t

    def run(self) -> None:
        for d in self.parameters.values():
            self.parameter(d)
        for d in self.expressions.values():
            self.definition(d, {})
        for overloads in self.functions.values():
            for d in overloads:
                self.function(d)

    # --- references -----------------------------------------------------------------------------------

    def _expression_ref(self, node: dict[str, Any]) -> Type:
        library = node.get("libraryName")
        if library is not None:
            found = self.includes.get(library)
            declared = found.expressions.get(node["name"]) if found else None
            return declared.result_type if declared else None
        d = self.expressions.get(node["name"])
        return self.definition(d, {}) if d is not None else None

    def _parameter_ref(self, node: dict[str, Any]) -> Type:
        library = node.get("libraryName")
        if library is not None:
            found = self.includes.get(library)
            declared = found.parameters.get(node["name"]) if found else None
            return declared.type if declared else None
        d = self.parameters.get(node["name"])
        return self.parameter(d) if d is not None else None

    def _function_ref(self, node: dict[str, Any], arguments: list[Type]) -> Type:
        library = node.get("libraryName")
        if library is not None:
            found = self.includes.get(library)
            candidates = [(f.operand_types, f.result_type) for f in (found.functions.get(node["name"], ()) if found else ())]
        else:
            candidates = [(tuple(from_specifier(o.get("operandTypeSpecifier")) for o in d.get("operand") or ()), d)
                          for d in self.functions.get(node["name"], ())]
        candidates = [c for c in candidates if len(c[0]) == len(arguments)]
        if len(candidates) > 1:
            fitting = [c for c in candidates if all(_assignable(a, o) is not False for a, o in zip(arguments, c[0]))]
            exact = [c for c in fitting if all(_assignable(a, o) for a, o in zip(arguments, c[0]))]
            candidates = exact if len(exact) == 1 else fitting
        if len(candidates) != 1:
            return None
        result = candidates[0][1]
        return self.function(result) if isinstance(result, dict) else result

    # --- expressions ----------------------------------------------------------------------------------

    def node(self, node: Any, scope: dict[str, Type]) -> Type:
        """Annotate `node` (and everything under it) and return its type."""
        if not isinstance(node, dict):
            return None
        given = result_type(node)
        t = self._resolve(node, scope)
        if given is not None:
            return given
        _write(node, t)
        return t

    def _children(self, node: dict[str, Any], scope: dict[str, Type], skip: tuple[str, ...] = ()) -> list[Type]:
        """Annotate every child expression; the types of `operand` (list or single) in order."""
        for key, value in node.items():
            if key in skip or key in ("operand", "annotation", "signature", "resultTypeSpecifier"):
                continue
            if isinstance(value, dict) and "type" in value:
                self.node(value, scope)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and "type" in item:
                        self.node(item, scope)
        operand = node.get("operand")
        if isinstance(operand, list):
            return [self.node(o, scope) for o in operand]
        if isinstance(operand, dict):
            return [self.node(operand, scope)]
        return []

    def _resolve(self, node: dict[str, Any], scope: dict[str, Type]) -> Type:
        kind = node.get("type")
        handler = _HANDLERS.get(kind)  # type: ignore[arg-type]
        if handler is not None:
            return handler(self, node, scope)
        operands = self._children(node, scope)
        first = operands[0] if operands else None
        if kind in _FIXED:
            return _FIXED[kind]
        if kind in _LIKE_OPERAND:
            return first
        if kind in _ELEMENT_OF:
            return _element(self.node(node.get("source"), scope)) if node.get("source") else _element(first)
        if kind in _POINT_OF:
            return first[1] if first is not None and first[0] == "interval" else None
        if kind == "Divide":
            return first if first == named("System.Quantity") else _DECIMAL
        return None


def _literal(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    return named(node["valueType"])


def _as(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    r._children(node, scope)
    return named(node["asType"]) if node.get("asType") else from_specifier(node.get("asTypeSpecifier"))


def _retrieve(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    r._children(node, scope)
    return ("list", named(node["dataType"]))


def _property(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    if node.get("source") is not None:
        source = r.node(node["source"], scope)
    else:
        source = scope.get(node.get("scope", ""))
    return _property_type(source, node["path"])


def _scoped(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    return scope.get(node.get("name", ""))


def _expression_ref(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    return r._expression_ref(node)


def _parameter_ref(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    return r._parameter_ref(node)


def _function_ref(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    return r._function_ref(node, r._children(node, scope))


def _query(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    inner = dict(scope)
    sources = node.get("source") or []
    plural = False
    source_types = []
    for source in sources:
        t = r.node(source.get("expression"), inner)
        plural = plural or (t is not None and t[0] == "list")
        element = _element(t) if t is not None and t[0] == "list" else t
        inner[source["alias"]] = element
        source_types.append((source["alias"], element))
        _write(source, t)
    for let in node.get("let") or []:
        inner[let["identifier"]] = r.node(let.get("expression"), inner)
    for relation in node.get("relationship") or []:
        related = dict(inner)
        t = r.node(relation.get("expression"), related)
        related[relation["alias"]] = _element(t) if t is not None and t[0] == "list" else t
        r.node(relation.get("suchThat"), related)
    r.node(node.get("where"), inner)
    aggregate = node.get("aggregate")
    if aggregate is not None:
        with_total = {**inner, aggregate.get("identifier", ""): None}
        r.node(aggregate.get("starting"), inner)
        return r.node(aggregate.get("expression"), with_total)
    returned = node.get("return")
    if returned is not None:
        row = r.node(returned.get("expression"), inner)
        t: Type = ("list", row) if plural else row
        _write(returned, t)
    elif len(source_types) == 1:
        t = ("list", source_types[0][1]) if plural else source_types[0][1]
    else:
        row = ("tuple", tuple(source_types))
        t = ("list", row) if plural else row
    for item in ((node.get("sort") or {}).get("by")) or []:
        r.node(item.get("expression"), {**inner, "$this": _element(t)})
    return t


def _if(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    r.node(node.get("condition"), scope)
    then, other = r.node(node.get("then"), scope), r.node(node.get("else"), scope)
    return then or other


def _case(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    r.node(node.get("comparand"), scope)
    found = []
    for item in node.get("caseItem") or []:
        r.node(item.get("when"), scope)
        found.append(r.node(item.get("then"), scope))
    found.append(r.node(node.get("else"), scope))
    return next((t for t in found if t is not None and t != ANY), None)


def _coalesce(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    operands = r._children(node, scope)
    if len(operands) == 1 and operands[0] is not None and operands[0][0] == "list":
        return operands[0][1]
    return next((t for t in operands if t is not None and t != ANY), None)


def _tuple(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    return ("tuple", tuple((e["name"], r.node(e.get("value"), scope)) for e in node.get("element") or ()))


def _instance(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    for e in node.get("element") or ():
        r.node(e.get("value"), scope)
    return named(node["classType"])


def _list(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    found = [r.node(e, scope) for e in node.get("element") or ()]
    declared = from_specifier(node.get("typeSpecifier"))
    if declared is not None:
        return ("list", declared) if declared[0] != "list" else declared
    return ("list", next((t for t in found if t is not None and t != ANY), None))


def _interval(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    low, high = r.node(node.get("low"), scope), r.node(node.get("high"), scope)
    r.node(node.get("lowClosedExpression"), scope)
    r.node(node.get("highClosedExpression"), scope)
    point = next((t for t in (low, high) if t is not None and t != ANY), None)
    return ("interval", point)


def _to_list(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    (t,) = r._children(node, scope) or [None]
    return ("list", t)


def _flatten(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    (t,) = r._children(node, scope) or [None]
    return _element(t)


def _filter_like(r: _Resolver, node: dict[str, Any], scope: dict[str, Type]) -> Type:
    source = r.node(node.get("source"), scope)
    inner = {**scope, node.get("scope") or "$this": _element(source)}
    for key in ("condition", "element"):
        r.node(node.get(key), inner)
    return source


_HANDLERS: dict[str, Callable[[_Resolver, dict[str, Any], dict[str, Type]], Type]] = {
    "Literal": _literal, "As": _as, "Retrieve": _retrieve, "Property": _property, "AliasRef": _scoped,
    "QueryLetRef": _scoped, "OperandRef": _scoped, "IdentifierRef": _scoped, "ExpressionRef": _expression_ref,
    "ParameterRef": _parameter_ref, "FunctionRef": _function_ref, "Query": _query, "If": _if, "Case": _case,
    "Coalesce": _coalesce, "Tuple": _tuple, "Instance": _instance, "List": _list, "Interval": _interval,
    "ToList": _to_list, "Flatten": _flatten, "Filter": _filter_like, "Sort": _filter_like,
}


def annotate(library: dict[str, Any], includes: Mapping[str, CompiledLibrary]) -> None:
    """Write the resolvable result types into an ELM library body (in place) whose includes are compiled."""
    _Resolver(library, includes).run()
