"""No traceback, ever (data-quality.md §6–7): random junk put in any field of the example bundle — any JSON value,
date-like text, non-numbers, huge numbers, wrong types — makes `assess` answer (exit 0, as JSON or as tables
with the trace) or refuse in one line (exit 2), never a traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import kit_support
from call0603.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "day14-low-counts.json"
BUNDLE = json.loads(EXAMPLE.read_text(encoding="utf-8"))
AS_OF = "2024-03-18"

#: Text that looks like data a field may hold: dates of every precision and at FHIR's limits, numbers as text.
TEXT_LIKE = ["", " ", "2024", "2024-03", "2024-03-18", "2024-02-30", "0001-01-01", "9999-12-31",
             "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2024-03-18T07:45:00", "T10:00", "NaN",
             "Infinity", "-Infinity", "1e400", "-0", "0.49999999999999999", "Patient/p-day14-low/_history/2",
             "urn:uuid:00000000-0000-0000-0000-000000000000", "\u0000", "\ud7ff", "x" * 300, "[/x]", "[bold]", "10*9/L"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(TEXT_LIKE), st.text(max_size=12),
)
JUNK = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                    max_leaves=6)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the document a value sits (dict keys and list items), the root's entries included."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


PATHS = _paths(BUNDLE)


def _put(document: Any, path: tuple, value: Any) -> Any:
    document = copy.deepcopy(document)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return document


@given(st.lists(st.tuples(st.sampled_from(PATHS), JUNK), min_size=1, max_size=3), st.booleans())
@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_junk_in_any_field_never_gives_a_traceback(monkeypatch, tmp_path_factory, changes: list[tuple[tuple, Any]],
                                                   as_json: bool) -> None:
    monkeypatch.setattr("call0603.evaluator.context.load_context", kit_support.context)
    document = BUNDLE
    for path, value in changes:
        try:
            document = _put(document, path, value)
        except (KeyError, IndexError, TypeError):  # an earlier change replaced the path's parent
            continue
    source = tmp_path_factory.mktemp("junk") / "bundle.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    mode = ["--json"] if as_json else ["--explain"]  # the tables and the trace print data too
    result = CliRunner().invoke(app, ["assess", str(source), "--as-of", AS_OF, *mode])
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr, changes)
    if result.exit_code == 2:
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    elif as_json:
        assert json.loads(result.stdout)["subject"].startswith("Patient/")
    else:
        assert "Decision trace" in result.stdout
