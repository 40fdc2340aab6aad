"""The engine: compiles a set of ELM libraries once, then evaluates them for one patient at a time."""

from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping

from .compiler import CompileOptions, LibraryCompiler
from .context import Context
from .errors import CqlRuntimeError, ElmLoadError
from .infer import annotate, needs_types
from .library import CompiledLibrary


def _reachable(lib: CompiledLibrary) -> list[CompiledLibrary]:
    """`lib` and every library it includes, directly or through others, once each."""
    seen: dict[str, CompiledLibrary] = {}
    pending = [lib]
    while pending:
        current = pending.pop()
        if current.key not in seen:
            seen[current.key] = current
            pending.extend(current.includes.values())
    return list(seen.values())


class Engine:
    """Compiles ELM JSON libraries ({"library": ...}) once; includes are resolved by name and version."""

    def __init__(self, libraries: Iterable[dict[str, Any]], *, options: CompileOptions = CompileOptions()) -> None:
        self.options = options
        self._elm: dict[str, list[dict[str, Any]]] = {}
        for elm in libraries:
            ident = (elm.get("library") or {}).get("identifier") or {}
            if "id" not in ident:
                raise ElmLoadError("an ELM document without library.identifier.id")
            self._elm.setdefault(ident["id"], []).append(elm)
        self._compiled: dict[tuple[str, str | None], CompiledLibrary] = {}
        self._loading: set[tuple[str, str | None]] = set()
        for name, versions in self._elm.items():
            for elm in versions:
                self._load(name, elm["library"]["identifier"].get("version"))

    def library(self, name: str, version: str | None = None) -> CompiledLibrary:
        """The compiled library of that name (and version, when several are loaded)."""
        return self._load(name, version)

    def evaluate(self, library: str, *, data: Any = None, parameters: Mapping[str, Any] | None = None,
                 now: Any = None, expressions: Iterable[str] | None = None, terminology: Any = None,
                 version: str | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
        """Evaluate the named expression definitions (default: all) of `library` for one patient's data.

        A run-time error raises, unless `errors` is given: then a define whose evaluation fails is left out of the
        result and its message is put in `errors`, and the other defines are still evaluated."""
        lib = self._load(library, version)
        ctx = self.context(lib, data=data, parameters=parameters, now=now, terminology=terminology)
        names = list(expressions) if expressions is not None else list(lib.expressions)
        result: dict[str, Any] = {}
        for name in names:
            try:
                definition = lib.expressions[name]
            except KeyError:
                raise CqlRuntimeError(f"library {lib.key} has no expression definition {name!r}") from None
            if errors is None:
                result[name] = definition.evaluate(ctx)
                continue
            try:
                result[name] = definition.evaluate(ctx)
            except CqlRuntimeError as error:
                errors[name] = str(error)
                ctx.vars = {}
        return result

    def call(self, library: str, function: str, *args: Any, data: Any = None,
             parameters: Mapping[str, Any] | None = None, now: Any = None, terminology: Any = None,
             version: str | None = None) -> Any:
        """Call a function of `library` with CQL values (the one overload taking that many operands)."""
        lib = self._load(library, version)
        overloads = [f for f in lib.functions.get(function, ()) if len(f.operand_names) == len(args)]
        if len(overloads) != 1:
            raise CqlRuntimeError(f"library {lib.key} has {len(overloads)} functions {function!r} of {len(args)} operands")
        fn = overloads[0]
        if fn.body is None:
            raise CqlRuntimeError(f"function {function!r} is external")
        ctx = self.context(lib, data=data, parameters=parameters, now=now, terminology=terminology)
        ctx.vars = dict(zip(fn.operand_names, args))
        return fn.body(ctx)

    def context(self, lib: CompiledLibrary, *, data: Any = None, parameters: Mapping[str, Any] | None = None,
                now: Any = None, terminology: Any = None) -> Context:
        """A fresh evaluation context for `lib`: each of the caller's parameters is set in every library (`lib` and
        those it includes, directly or not) that declares it, as the reference engines do; a parameter no library
        declares is refused."""
        supplied: dict[str, dict[str, Any]] = {}
        if parameters:
            for library in _reachable(lib):
                declared = {name: value for name, value in parameters.items() if name in library.parameters}
                if declared:
                    supplied[library.key] = declared
            unknown = set(parameters) - {name for given in supplied.values() for name in given}
            if unknown:
                raise CqlRuntimeError(f"neither library {lib.key} nor its includes have a parameter {sorted(unknown)[0]!r}")
        return Context(data=data, parameters=supplied, now=now, terminology=terminology)

    def _load(self, name: str, version: str | None) -> CompiledLibrary:
        # An include path may carry the library's namespace (`http://ecqi.healthit.gov/ecqms/FHIRHelpers`,
        # `system/id`): the library is the one named by its last segment.
        candidates = self._elm.get(name) or self._elm.get(name.rpartition("/")[2])
        if not candidates:
            raise ElmLoadError(f"library {name!r} is not loaded")
        if version is not None:
            matching = [e for e in candidates if e["library"]["identifier"].get("version") == version]
            if not matching:
                raise ElmLoadError(f"library {name!r} version {version!r} is not loaded")
        else:
            matching = candidates
        elm = matching[-1]
        key = (name, elm["library"]["identifier"].get("version"))
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        if key in self._loading:
            raise ElmLoadError(f"library {name!r} includes itself (circular includes)")
        self._loading.add(key)
        try:
            includes = {}
            for inc in (elm["library"].get("includes") or {}).get("def") or ():
                includes[inc["localIdentifier"]] = self._load(inc["path"], inc.get("version"))
            if needs_types(elm["library"]):
                elm = copy.deepcopy(elm)
                annotate(elm["library"], includes)
            compiled = LibraryCompiler(elm, includes, self.options).build()
        finally:
            self._loading.discard(key)
        self._compiled[key] = compiled
        return compiled
