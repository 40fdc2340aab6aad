"""String operators: nulls, bounds, and Java regular-expression semantics."""

from __future__ import annotations

from call0603.cql.elm import string as st


def test_nulls_and_bounds() -> None:
    assert st.concatenate("a", None) is None and st.combine([]) is None and st.combine(["a", None, "b"], "-") == "a-b"
    assert st.substring("ab", 2) is None and st.substring("", 0) == "" and st.substring("ab", 0, 3) == "ab"
    assert st.index_string("ab", -1) is None and st.index_string("ab", 1) == "b"
    assert st.split("a,b", None) == ["a,b"] and st.split("a,b", ",") == ["a", "b"]
    assert st.position_of("c", "ab") == -1 and st.last_position_of("hi", "Say hi to Ohio!") == 11


def test_regular_expressions_follow_java() -> None:
    assert st.matches("Not all who wander are lost", ".*") is True
    assert st.matches("lost - circa 2017", ".*\\d+") is True
    assert st.matches("lost", "los") is False
    assert st.replace_matches("All that glitters", "\\s", "\\$") == "All$that$glitters"
    assert st.replace_matches("dose 12 mg", "(\\d+)", "[$1]") == "dose [12] mg"
    assert st.split_on_matches("a1b22c", "\\d+") == ["a", "b", "c"]
