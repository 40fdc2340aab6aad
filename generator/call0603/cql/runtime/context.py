"""The run-time state of one evaluation: patient data, parameters, time, terminology, caches and scopes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import CqlRuntimeError

if TYPE_CHECKING:
    from ..fhir.data import PatientData
    from ..fhir.terminology import Terminology

#: Marks "not computed yet" in caches, where None is a real CQL value (null).
MISSING: Any = object()


class Context:
    """One evaluation for one patient (or none): compiled closures read and write only this object.

    `vars` holds the names in scope (query aliases, let clauses, function operands); queries bind and
    restore them, function calls swap in a fresh dict. `cache` holds expression-definition results,
    parameter values and retrieve results, keyed by the compiled definition objects themselves.
    """

    __slots__ = ("data", "parameters", "now", "terminology", "cache", "vars", "messages", "timezone_offset")

    def __init__(self, *, data: PatientData | None = None, parameters: dict[Any, dict[str, Any]] | None = None,
                 now: Any = None, terminology: Terminology | None = None) -> None:
        self.data = data
        self.parameters = parameters or {}
        self.now = now
        self.terminology = terminology
        self.cache: dict[Any, Any] = {}
        self.vars: dict[str, Any] = {}
        self.messages: list[tuple[str, str, str | None, Any]] = []
        offset = getattr(now, "offset", None)
        #: The request's time-zone offset in hours (from `now`; UTC when no `now` was given): a DateTime
        #: without an offset (a literal, or FHIR data such as '2024-02-10') takes this one, never the machine's.
        self.timezone_offset: Decimal = Decimal(0) if offset is None else offset

    def require_now(self) -> Any:
        """The request's `now`; evaluating Now()/Today() without one is an error, never the machine clock."""
        if self.now is None:
            raise CqlRuntimeError("Now()/Today()/TimeOfDay() need the evaluation request's 'now'")
        return self.now

    def require_terminology(self) -> Terminology:
        """The terminology service; value-set membership without one is an error, never a guess."""
        if self.terminology is None:
            raise CqlRuntimeError("value-set membership needs a Terminology (none was given)")
        return self.terminology
