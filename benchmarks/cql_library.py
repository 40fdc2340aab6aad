"""Times rendering and translating the package CQL, and prints each library's size (run: python3 benchmarks/cql_library.py)."""

from __future__ import annotations

import base64
import json
import time

from call0603.authoring.cql import library_sources, render_common_cql, render_cql
from call0603.authoring.library import elm_json
from call0603.guideline import load_guideline
from call0603.translator import PACKAGE_OPTIONS, translate


def main() -> None:
    """Print load, render and translate times and the CQL / ELM / base64 sizes of both libraries."""
    started = time.perf_counter()
    guideline = load_guideline()
    loaded = time.perf_counter()
    for _ in range(20):
        render_cql(guideline)
        render_common_cql(guideline)
    rendered = time.perf_counter()
    sources = library_sources(guideline)
    names = [guideline.package.library_name, guideline.package.common_library_name]
    before = time.perf_counter()
    translations = translate(sources, names, options=PACKAGE_OPTIONS)
    translated = time.perf_counter()
    print(f"load guideline/: {loaded - started:.3f} s; render both libraries: {(rendered - loaded) / 20 * 1000:.1f} ms")
    print(f"translate both (one node process): {translated - before:.2f} s")
    for name in names:
        elm = elm_json(translations[name].elm)
        print(json.dumps({
            "library": name, "cqlLines": len(sources[name].splitlines()), "cqlBytes": len(sources[name].encode()),
            "elmBytes": len(elm), "elmBase64Chars": len(base64.b64encode(elm)), "clean": translations[name].clean,
        }))


if __name__ == "__main__":
    main()
