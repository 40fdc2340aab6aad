"""ELM expressions as generated Python: the node types with an emit function are written out as one Python
expression per subtree (query aliases, lets and function operands as local variables), compiled once, so that
evaluating them costs no Python call per node. Every other node is a compiled closure the generated code calls.

Within a query's generated loop, a part that reads none of its row's names is evaluated once per run of the
query, the first time a row needs it (kept in a local); a constant part is evaluated when the library is compiled.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..datatypes.quantity import Quantity
from ..elm.registry import EMITTERS, Compiled
from .codecache import CodeCache
from .context import MISSING
from .optimise import CHEAP, pure_value

if TYPE_CHECKING:
    from .compiler import LibraryCompiler
    from .types import Type

#: Emitted nodes nested in one Python expression before a subtree is given a function of its own (Python's parser
#: refuses deeply nested parentheses).
MAX_DEPTH = 40
#: Values the generated code writes as Python literals rather than as named constants.
_LITERAL_TYPES = (int, str)


@dataclass
class Scope:
    """Names a binder gives the code inside it (CQL name → Python local); a loop scope gathers hoisted locals."""

    names: dict[str, str]
    loop: bool = False
    hoisted: list[str] = field(default_factory=list)


@dataclass
class Frame:
    """One generated function being written: its scopes, innermost last, and how deep the current expression is."""

    scopes: list[Scope]
    depth: int = 0
    hoisting: bool = True


#: Constant quantities and decimals, one object per value written alike (in every library): calls of CQL functions
#: are remembered by the identity of their operands, so the threshold 500 '/uL' written in several places must be
#: one object for a remembered comparison with it to be found again.
_INTERNED: dict[tuple[Any, ...], Any] = {}
#: The identities of the interned constants (they live as long as the process, so no identity is reused).
_CONSTANT_IDS: set[int] = set()


def shared_call(definition: Any, operand: Any) -> Any:
    """The value of a one-operand function call on an interned constant, computed once for every evaluation when
    the function reads nothing of it (no data, parameter or time, as a folded call): a threshold's text, say, which
    a function given the threshold as an operand would otherwise build again for each patient. MISSING when the
    call reads the evaluation, so the caller computes it in its own. Kept by the function's definition, so the values
    go with the compiled library."""
    shared = definition.shared
    key = id(operand)
    if key in shared:
        return shared[key]
    shared[key] = MISSING  # while it is computed, a call of the same reaches the function's own body
    known, value = pure_value(lambda ctx: definition.direct(ctx, operand))
    if known:
        shared[key] = value
    return value if known else MISSING


def _interning_key(value: Any) -> tuple[Any, ...] | None:
    """A key equal only for values that are the same in every respect, digits written included (500 and 500.0
    differ); None for values that are not interned."""
    kind = type(value)
    if kind is Quantity:
        return (kind, str(value.value), value.unit)
    if kind is Decimal:
        return (kind, str(value))
    return None


def with_vars(ctx: Any, names: dict[str, Any], compiled: Compiled) -> Any:
    """Call a closure that reads names the generated code holds as locals: they are put in `ctx.vars` meanwhile."""
    saved = ctx.vars
    ctx.vars = {**saved, **names}
    try:
        return compiled(ctx)
    finally:
        ctx.vars = saved


class CodeEmitter:
    """Writes and compiles the generated functions of one library; emit functions call back `expr`, `constant`,
    `temp`, `local`, `closure` and `binding`."""

    def __init__(self, compiler: LibraryCompiler) -> None:
        self.compiler = compiler
        self.namespace: dict[str, Any] = {"_M": MISSING, "_with_vars": with_vars, "_CONSTANT_IDS": _CONSTANT_IDS,
                                          "_shared_call": shared_call}
        self.codes = CodeCache(compiler.library.key)
        self._ids = itertools.count()
        self._named: dict[int, str] = {}
        self._frames: list[Frame] = []
        self._folding = True

    # --- what emit functions use ------------------------------------------------------------------------

    def temp(self) -> str:
        """A fresh local name."""
        return f"_t{next(self._ids)}"

    def constant(self, value: Any) -> str:
        """Python source standing for `value`: a literal for None, booleans, ints and strings, else a name bound in
        the generated code's globals."""
        if value is None or value is True or value is False or type(value) in _LITERAL_TYPES:
            return repr(value)
        key = _interning_key(value)
        if key is not None:
            value = _INTERNED.setdefault(key, value)
            _CONSTANT_IDS.add(id(value))
        name = self._named.get(id(value))
        if name is None:
            name = self._named[id(value)] = f"_k{next(self._ids)}"
            self.namespace[name] = value
        return name

    def local(self, name: str) -> str | None:
        """The Python local holding a CQL alias, let or operand in the function being written (None: in ctx.vars)."""
        for scope in reversed(self._frames[-1].scopes):
            found = scope.names.get(name)
            if found is not None:
                return found
        return None

    def name(self, name: str) -> str:
        """Python source reading a CQL alias, let or operand."""
        found = self.local(name)
        return found if found is not None else f"ctx.vars.get({name!r})"

    def closure(self, compiled: Compiled, node: dict[str, Any]) -> str:
        """A call of a closure compiled for `node`; the locals it reads are handed over through ctx.vars."""
        function = self.constant(compiled)
        held = {n: self.local(n) for n in sorted(self.compiler.reads(node).names)}
        held = {n: local for n, local in held.items() if local is not None}
        if not held:
            return f"{function}(ctx)"
        names = ", ".join(f"{n!r}: {local}" for n, local in held.items())
        return f"_with_vars(ctx, {{{names}}}, {function})"

    @contextmanager
    def binding(self, types: dict[str, Type], loop: bool = False) -> Iterator[Scope]:
        """Declare names (CQL name → static type) as new locals while the code that sees them is written."""
        scope = Scope({n: f"_v{next(self._ids)}" for n in types}, loop)
        frame = self._frames[-1]
        frame.scopes.append(scope)
        try:
            with self.compiler.scope(types):
                yield scope
        finally:
            frame.scopes.pop()

    @contextmanager
    def function_frame(self, names: dict[str, str]) -> Iterator[Frame]:
        """Write a new generated function whose parameters hold the given CQL names."""
        frame = Frame([Scope(dict(names))])
        self._frames.append(frame)
        try:
            yield frame
        finally:
            self._frames.pop()

    def outer_locals(self, node: dict[str, Any]) -> dict[str, str]:
        """The locals of the function being written that `node` reads (CQL name → Python local)."""
        found = {n: self.local(n) for n in sorted(self.compiler.reads(node).names)}
        return {n: local for n, local in found.items() if local is not None}

    def define(self, params: tuple[str, ...], lines: list[str]) -> Callable[..., Any]:
        """Compile one generated function."""
        name = f"_f{next(self._ids)}"
        source = f"def {name}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in lines)
        code = self.codes.compile(source, f"<ELM {self.compiler.library.key}>")
        exec(code, self.namespace)
        return self.namespace.pop(name)

    # --- entry points -------------------------------------------------------------------------------------

    def function(self, node: dict[str, Any]) -> Compiled:
        """`node` as a function of the context (names it reads come from ctx.vars)."""
        with self.function_frame({}):
            body = self._emit(node)
        return self.define(("ctx",), [f"return {body}"])

    def function_body(self, definition: Any, node: dict[str, Any]) -> Callable[..., Any]:
        """A library function as `direct(ctx, *operands)`. CQL functions have no side effects, so each call is
        remembered per context by the identity of its operands (kept in the cache, so no identity is reused)."""
        params = {n: f"_a{i}" for i, n in enumerate(definition.operand_names)}
        with self.function_frame(params):
            with self.compiler.scope(dict(zip(definition.operand_names, definition.operand_types))):
                body = self._emit(node)
        args = list(params.values())
        key = ", ".join([self.constant(definition), *(f"id({a})" for a in args)])
        if len(args) == 1:
            kept, check = args[0], f" and _hit[0] is {args[0]}"
        else:
            kept, check = f"({', '.join(args)},)" if args else "None", ""
        lines = [
            f"_key = ({key},)",
            "_hit = ctx.cache.get(_key)",
            f"if _hit is not None{check}:",
            "    return _hit[1]",
        ]
        if len(args) == 1:  # a constant operand: the value may be shared by every evaluation (see shared_call)
            lines += [
                f"if id({args[0]}) in _CONSTANT_IDS:",
                f"    _result = _shared_call({self.constant(definition)}, {args[0]})",
                "    if _result is not _M:",
                f"        ctx.cache[_key] = ({kept}, _result)",
                "        return _result",
            ]
        lines += [
            f"_result = {body}",
            f"ctx.cache[_key] = ({kept}, _result)",
            "return _result",
        ]
        return self.define(("ctx", *args), lines)

    def row_function(self, node: dict[str, Any], name: str, type_: Type) -> Callable[[Any, Any], Any]:
        """`node` as a function of the context and one row, seen under `name` (a sort key: `$this`)."""
        with self.function_frame({name: "_row"}):
            with self.compiler.scope({name: type_}):
                body = self._emit(node)
        return self.define(("ctx", "_row"), [f"return {body}"])

    def constant_function(self, node: dict[str, Any]) -> Compiled:
        """`node` as one function with nothing inside folded on its own (to try evaluating it whole)."""
        folding, self._folding = self._folding, False
        try:
            return self.function(node)
        finally:
            self._folding = folding

    def expr(self, node: dict[str, Any]) -> str:
        """A child node as a Python expression: a constant when it folds, a hoisted local when it does not vary
        by the row of the query being written, else its emit function's code (or a closure call)."""
        kind = node.get("type")
        if kind not in CHEAP:
            reads = self.compiler.reads(node)
            if reads.constant and self._folding:
                known, value = self.compiler.constant_value(node)
                if known:
                    return self.constant(value)
            elif not reads.constant:
                if kind == "FunctionRef" and self._folding and not reads.names and not reads.effect:
                    known, value = self.compiler.call_value(node)
                    if known:
                        return self.constant(value)
                hoisted = self._hoisted(node, reads.names, reads.effect)
                if hoisted is not None:
                    return hoisted
        return self._emit(node)

    # --- inside -------------------------------------------------------------------------------------------

    def _emit(self, node: dict[str, Any]) -> str:
        emit = EMITTERS.get(node.get("type"))  # type: ignore[arg-type]
        if emit is None:
            return self.closure(self.compiler.compile(node), node)
        frame = self._frames[-1]
        if frame.depth >= MAX_DEPTH:
            return self._split(node)
        frame.depth += 1
        try:
            return emit(node, self)
        finally:
            frame.depth -= 1

    def _hoisted(self, node: dict[str, Any], names: frozenset[str], effect: bool) -> str | None:
        frame = self._frames[-1]
        if effect or not frame.hoisting:
            return None
        loops = [i for i, scope in enumerate(frame.scopes) if scope.loop]
        if not loops:
            return None
        varying = {n for scope in frame.scopes[loops[-1]:] for n in scope.names}
        if names & varying:
            return None
        local = f"_h{next(self._ids)}"
        frame.scopes[loops[-1]].hoisted.append(local)
        frame.hoisting = False
        try:
            inner = self._emit(node)
        finally:
            frame.hoisting = True
        return f"({local} if {local} is not _M else ({local} := {inner}))"

    def _split(self, node: dict[str, Any]) -> str:
        """A deep subtree as a function of its own, taking the locals it reads as parameters."""
        held = self.outer_locals(node)
        params = {n: f"_p{i}" for i, n in enumerate(held)}
        with self.function_frame(params):
            body = self._emit(node)
        function = self.define(("ctx", *params.values()), [f"return {body}"])
        return f"{self.constant(function)}({', '.join(['ctx', *held.values()])})"
