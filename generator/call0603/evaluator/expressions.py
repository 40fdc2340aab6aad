"""Answers the Expressions of a PlanDefinition for one patient: CQL identifiers from the evaluated Library defines,
FHIRPath over the subject (with `%subject` and `%resource` bound to the Patient)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import fhirpathpy

from .apply import ApplyError

CQL_IDENTIFIER = "text/cql-identifier"
FHIRPATH = "text/fhirpath"


def cql_identifiers(expressions: Iterable[Mapping[str, Any]]) -> list[str]:
    """The define names among Expressions, once each, in order."""
    return list(dict.fromkeys(e["expression"] for e in expressions if e.get("language") == CQL_IDENTIFIER))


@dataclass(frozen=True)
class ExpressionEvaluator:
    """Evaluate(expression) for `apply_plan`, over one patient's evaluated defines."""

    results: Mapping[str, Any]
    library_canonicals: frozenset[str]
    patient: Mapping[str, Any]

    def __call__(self, expression: Mapping[str, Any]) -> Any:
        language, text = expression.get("language"), expression.get("expression")
        if language == CQL_IDENTIFIER:
            reference = expression.get("reference")
            if reference is not None and reference not in self.library_canonicals:
                raise ApplyError(f"expression '{text}': Library {reference} is not one of the package's")
            if text not in self.results:
                raise ApplyError(f"expression '{text}': no such define was evaluated in the package Library")
            return self.results[text]
        if language == FHIRPATH:
            env = {"subject": self.patient, "resource": self.patient}
            values = fhirpathpy.evaluate(dict(self.patient), text, env)
            return None if not values else values[0] if len(values) == 1 else values
        raise ApplyError(f"expression '{text}': language {language} is not supported (text/cql-identifier, text/fhirpath)")
