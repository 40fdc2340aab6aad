"""How a result is judged against the suite's expected output, and how both are shown in the report.

The suite's conventions, on top of CQL equivalence (`~`):
- a `null` output means the result must be null, and a null result matches only a `null` output, at the top
  and inside lists and tuples alike;
- the CQL type must match: an Integer is not a Decimal (`10 / 5` must give `2.0`), a Long not an Integer;
- Decimals compare by value, so `1.0` matches `1.00` (the XML writes decimals with whatever trailing zeros
  read well; CQL `~` would also round to the less precise operand, which would let `3.14159` pass for `3.14`);
- Strings compare exactly (CQL `~` ignores case and whitespace, which would hide wrong results);
- Lists compare element by element, in order; Tuples element by element, with the same element names;
- an uncertain Integer (e.g. `years between DateTime(2005) and DateTime(2010)`) has no literal, so the suite
  writes it as the closed Interval of its possible values (`Interval[4, 5]`); it is compared as that Interval;
- every other value (Date/DateTime/Time with precision and offset, Quantity, Ratio, Interval, Code, Concept)
  compares by the value type's own `cql_equivalent`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def cql_type(value: Any) -> str:
    """The CQL type name of an engine value, as far as the comparison needs it."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Long" if type(value).__name__ == "Long" else "Integer"
    if isinstance(value, Decimal):
        return "Decimal"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "List"
    if isinstance(value, dict):
        return "Tuple"
    return type(value).__name__


def _as_written(value: Any) -> Any:
    """The value as the suite can write it: an Uncertainty becomes the closed Interval of its possible values."""
    if cql_type(value) == "Uncertainty":
        from ..datatypes.interval import Interval

        return Interval(value.low, value.high, True, True)
    return value


def conforms(expected: Any, actual: Any) -> bool:
    """True when `actual` is the result the suite expects (see the module docstring for the rules)."""
    expected, actual = _as_written(expected), _as_written(actual)
    if expected is None or actual is None:
        return expected is None and actual is None
    kind = cql_type(expected)
    if kind != cql_type(actual):
        return False
    if kind in ("Boolean", "Integer", "Long", "Decimal", "String"):
        return bool(expected == actual)
    if kind == "List":
        return len(expected) == len(actual) and all(conforms(e, a) for e, a in zip(expected, actual))
    if kind == "Tuple":
        return expected.keys() == actual.keys() and all(conforms(expected[k], actual[k]) for k in expected)
    equivalent = getattr(expected, "cql_equivalent", None)
    if equivalent is None:
        return bool(expected == actual)
    return equivalent(actual) is True


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def render(value: Any) -> str:
    """A CQL-like text of a value for the report (value types print themselves)."""
    kind = cql_type(value)
    if kind == "Null":
        return "null"
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Long":
        return f"{int(value)}L"
    if kind == "Integer":
        return str(value)
    if kind == "Decimal":
        text = format(value, "f")
        return text if "." in text else f"{text}.0"
    if kind == "String":
        return _quote(value)
    if kind == "List":
        return "{" + ", ".join(render(v) for v in value) + "}"
    if kind == "Tuple":
        if type(value) is dict:
            return json.dumps(value, sort_keys=True, default=str)
        return "Tuple { " + ", ".join(f"{k}: {render(v)}" for k, v in value.items()) + " }"
    return str(value)
