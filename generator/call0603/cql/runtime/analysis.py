"""What the compiler knows of an ELM expression before running it: the names it reads, whether it depends on the
evaluation, whether it has an effect. Constant folding and hoisting out of query loops are decided from these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The name under which sort clauses and list operators see the current row (elm/structured.py uses it too).
THIS = "$this"

#: Nodes naming an alias, let or function operand.
_NAME_REFS = frozenset({"AliasRef", "QueryLetRef", "OperandRef"})
#: Nodes that read the evaluation: definitions, parameters, patient data, the request's time, function calls.
_EVALUATION = frozenset({"ExpressionRef", "ParameterRef", "Retrieve", "FunctionRef", "Now", "Today", "TimeOfDay"})
#: Nodes with an effect besides their value (a Message is logged each time it runs).
_EFFECTS = frozenset({"Message"})
#: Keys holding annotations and types, never expressions.
_SKIPPED = frozenset({"annotation", "signature", "resultTypeSpecifier", "localId", "locator"})


@dataclass(frozen=True)
class Reads:
    """The free names an expression reads, whether it reads the evaluation, whether it has an effect."""

    names: frozenset[str]
    evaluation: bool
    effect: bool

    @property
    def constant(self) -> bool:
        """True when nothing but the expression itself decides its value (a candidate for folding)."""
        return not (self.names or self.evaluation or self.effect)


_NOTHING = Reads(frozenset(), False, False)


class ReadsTable:
    """`Reads` of ELM nodes, computed once per node while one library is compiled (keyed by node identity)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, Reads]] = {}

    def of(self, node: Any) -> Reads:
        """What `node` (an expression, or a list or dict holding expressions) reads."""
        if not isinstance(node, (dict, list)):
            return _NOTHING
        known = self._known.get(id(node))
        if known is not None:
            return known[1]
        found = self._compute(node)
        self._known[id(node)] = (node, found)
        return found

    def _compute(self, node: dict[str, Any] | list[Any]) -> Reads:
        children = node if isinstance(node, list) else [v for k, v in node.items() if k not in _SKIPPED]
        names: set[str] = set()
        evaluation = effect = False
        for child in children:
            reads = self.of(child)
            names |= reads.names
            evaluation = evaluation or reads.evaluation
            effect = effect or reads.effect
        if isinstance(node, dict):
            kind = node.get("type")
            if kind in _NAME_REFS:
                names.add(node["name"])
            elif kind == "IdentifierRef":
                names.update((node["name"], THIS))
            elif kind == "Property" and node.get("source") is None:
                names.add(node.get("scope") or THIS)
            evaluation = evaluation or kind in _EVALUATION or (kind == "ValueSetRef" and not node.get("preserve", False))
            effect = effect or kind in _EFFECTS
        if not names and not evaluation and not effect:
            return _NOTHING
        return Reads(frozenset(names), evaluation, effect)
