"""ELM library → CompiledLibrary: every node becomes a closure, names and overloads are bound at load time."""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from ..datatypes.code import Code, CodeSystem, Concept, ValueSet
from ..elm.registry import EMITTERS, REGISTRY, Compiled
from .analysis import Reads, ReadsTable
from .emitter import CodeEmitter
from .errors import ElmLoadError
from .library import CompiledLibrary, Definition, FunctionDefinition, ParameterDefinition
from .optimise import CHEAP, HoistFrame, pure_value, sealed_value
from .types import Type, from_specifier, result_type

#: The operator families, imported once so that each registers its node compilers.
ELM_FAMILIES = (
    "literal", "reference", "logical", "nullological", "conditional", "arithmetic", "comparison", "string",
    "datetime", "interval", "list", "aggregate", "query", "structured", "type", "clinical", "errors",
)


#: Modules outside elm/ that register node compilers (the FHIR retrieve).
EXTRA_COMPILERS = ("call0603.cql.fhir.retrieve",)


def load_families() -> None:
    """Import every ELM family module present (each fills the registry on import)."""
    for name in (*(f"call0603.cql.elm.{family}" for family in ELM_FAMILIES), *EXTRA_COMPILERS):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise


@dataclass(frozen=True)
class CompileOptions:
    """Load-time choices: FHIRHelpers calls run natively (fast) unless asked to run the library's ELM."""

    native_fhirhelpers: bool = True


class LibraryCompiler:
    """Compiles one ELM library whose includes are already compiled; answers compile functions' questions."""

    def __init__(self, elm: dict[str, Any], includes: dict[str, CompiledLibrary], options: CompileOptions) -> None:
        load_families()
        body = elm["library"]
        ident = body.get("identifier") or {}
        self.elm = body
        self.options = options
        self.library = CompiledLibrary(ident.get("id", "Anonymous"), ident.get("version"), body, dict(includes))
        self._scopes: list[dict[str, Type]] = [{}]
        #: The names each open scope declared (parallel to _scopes).
        self._scope_names: list[frozenset[str]] = [frozenset()]
        self._frames: list[HoistFrame] = []
        self._reads = ReadsTable()
        self.emitter = CodeEmitter(self)

    # --- what compile functions may ask ---------------------------------------------------------------

    def compile(self, node: dict[str, Any]) -> Compiled:
        """Compile one expression node: folded when constant, hoisted when it does not vary by a query's row."""
        reads = self._reads.of(node)
        if reads.constant:
            if node.get("type") in CHEAP:
                return self._compile_node(node)
            known, value = self.constant_value(node)
            return (lambda ctx: value) if known else self._compile_node(node)
        frame = self._frames[-1] if self._frames else None
        if frame is None or frame.suspended or reads.effect or node.get("type") in CHEAP:
            return self._compile_node(node)
        varying = frozenset().union(*self._scope_names[frame.depth:])
        if reads.names & varying:
            return self._compile_node(node)
        frame.suspended = True
        try:
            return frame.hoist(self._compile_node(node))
        finally:
            frame.suspended = False

    @contextmanager
    def hoisting(self) -> Iterator[HoistFrame]:
        """Open a query's frame: nodes compiled inside it that read none of the names declared from now on are
        evaluated once per run of the query (the query calls `reset` when a run starts)."""
        frame = HoistFrame(len(self._scopes))
        self._frames.append(frame)
        try:
            yield frame
        finally:
            self._frames.pop()

    def reads(self, node: dict[str, Any]) -> Reads:
        """What a node reads: names, the evaluation, effects (runtime/analysis.py)."""
        return self._reads.of(node)

    def constant_value(self, node: dict[str, Any]) -> tuple[bool, Any]:
        """(True, value) when the node, compiled whole, evaluates without reading the evaluation; else (False, None)."""
        if node.get("type") in EMITTERS:
            return sealed_value(self.emitter.constant_function(node))
        return sealed_value(self._compile_node(node))

    def call_value(self, node: dict[str, Any]) -> tuple[bool, Any]:
        """(True, value) when a function call, compiled whole, evaluates without reading the evaluation (a function
        with constant operands whose body reads no data, parameter or time); else (False, None)."""
        return pure_value(self.emitter.constant_function(node))

    def _compile_node(self, node: dict[str, Any]) -> Compiled:
        """Compile one expression node: generated code for node types with an emit function, else a closure."""
        node_type = node.get("type")
        if node_type in EMITTERS:
            return self.emitter.function(node)
        fn = REGISTRY.get(node_type)  # type: ignore[arg-type]
        if fn is None:
            raise self.error(node, f"no implementation for ELM node type {node_type}")
        try:
            return fn(node, self)
        except ElmLoadError:
            raise
        except Exception as failure:  # a compile function's own bug or an unexpected shape: name the node
            raise self.error(node, f"{type(failure).__name__}: {failure}") from failure

    def compile_optional(self, node: dict[str, Any] | None) -> Compiled | None:
        """Compile a child that may be absent."""
        return None if node is None else self.compile(node)

    def error(self, node: dict[str, Any], why: str) -> ElmLoadError:
        """An ElmLoadError naming this library and the node."""
        return ElmLoadError.at(node, why, self.library.key)

    @contextmanager
    def scope(self, names: dict[str, Type]) -> Iterator[None]:
        """Declare aliases, lets or operands (name → static type) while compiling the nodes that see them."""
        self._scopes.append({**self._scopes[-1], **names})
        self._scope_names.append(frozenset(names))
        try:
            yield
        finally:
            self._scopes.pop()
            self._scope_names.pop()

    def in_scope(self, name: str) -> bool:
        """True when an alias, let or operand of that name is in scope."""
        return name in self._scopes[-1]

    def scope_type(self, name: str) -> Type:
        """The static type of an alias, let or operand in scope (None if unknown)."""
        return self._scopes[-1].get(name)

    def static_type(self, node: dict[str, Any] | None) -> Type:
        """A node's static type: as annotated, else that of the definition, parameter or name it refers to."""
        found = result_type(node)
        if found is not None or not node:
            return found
        kind = node.get("type")
        if kind in ("AliasRef", "QueryLetRef", "OperandRef", "IdentifierRef"):
            return self.scope_type(node["name"])
        if kind in ("ExpressionRef", "ParameterRef"):
            try:
                owner = self.library.included(node.get("libraryName"))
            except KeyError:
                return None
            table = owner.expressions if kind == "ExpressionRef" else owner.parameters
            declared = table.get(node["name"])
            return getattr(declared, "result_type", None) or getattr(declared, "type", None)
        return None

    def target(self, library_name: str | None, node: dict[str, Any]) -> CompiledLibrary:
        """This library, or the included one a reference names."""
        try:
            return self.library.included(library_name)
        except KeyError:
            raise self.error(node, f"library {library_name!r} is not included") from None

    # --- building the library -------------------------------------------------------------------------

    def build(self) -> CompiledLibrary:
        """Compile every declaration of the library."""
        lib = self.library
        body = self.elm
        for d in _defs(body, "codeSystems"):
            lib.codesystems[d["name"]] = CodeSystem(d["id"], d.get("version"))
        for d in _defs(body, "valueSets"):
            systems = tuple(self._codesystem(ref, d) for ref in d.get("codeSystem") or ())
            lib.valuesets[d["name"]] = ValueSet(d["id"], d.get("version"), systems)
        for d in _defs(body, "codes"):
            system = self._codesystem(d["codeSystem"], d) if d.get("codeSystem") else None
            lib.codes[d["name"]] = Code(d["id"], system.id if system else None, system.version if system else None,
                                        d.get("display"))
        for d in _defs(body, "concepts"):
            codes = tuple(self._code(ref, d) for ref in d.get("code") or ())
            lib.concepts[d["name"]] = Concept(codes, d.get("display"))
        parameters = []
        for d in _defs(body, "parameters"):
            param = ParameterDefinition(d["name"], lib.key, result_type(d) or from_specifier(d.get("parameterTypeSpecifier")))
            lib.parameters[d["name"]] = param
            parameters.append((param, d))
        statements = _defs(body, "statements")
        pending: list[tuple[Any, dict[str, Any]]] = []
        for d in statements:
            if d.get("type") == "FunctionDef":
                operands = d.get("operand") or ()
                fn = FunctionDefinition(
                    d["name"], lib.key, tuple(o["name"] for o in operands),
                    tuple(from_specifier(o.get("operandTypeSpecifier")) for o in operands),
                    result_type(d), bool(d.get("fluent")), bool(d.get("external")), d,
                )
                lib.functions.setdefault(d["name"], []).append(fn)
            else:
                fn = Definition(d["name"], lib.key, d.get("context"), result_type(d))
                lib.expressions[d["name"]] = fn
            pending.append((fn, d))
        for param, d in parameters:
            if d.get("default") is not None:
                param.default = self.compile(d["default"])
        for target, d in pending:
            if isinstance(target, FunctionDefinition):
                if not target.external:
                    target.bind(self.emitter.function_body(target, d["expression"]))
            else:
                target.body = self.compile(d["expression"])
        self.emitter.codes.save()
        return lib

    def _declared(self, table: str, ref: dict[str, Any], owner: dict[str, Any]) -> Any:
        """A code system or code declared in this or an included library."""
        source = self.target(ref.get("libraryName"), owner)
        try:
            return getattr(source, table)[ref["name"]]
        except KeyError:
            raise self.error(owner, f"{table[:-1]} {ref['name']!r} is not defined") from None

    def _codesystem(self, ref: dict[str, Any], owner: dict[str, Any]) -> CodeSystem:
        return self._declared("codesystems", ref, owner)

    def _code(self, ref: dict[str, Any], owner: dict[str, Any]) -> Code:
        return self._declared("codes", ref, owner)


def _defs(body: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return list((body.get(section) or {}).get("def") or ())
