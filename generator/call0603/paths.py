"""Where the repository's folders are, so every command reads and writes the same places."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
REPO = PACKAGE.parents[1]
GUIDELINE = REPO / "guideline"
PLANDEFINITIONS = REPO / "plandefinitions"
LIBRARY = REPO / "library"
TOOLS = REPO / "tools"
TESTS = REPO / "tests"
SHARED = REPO.parent / "shared"
#: The build's support files (FHIRHelpers and its ELM), relative to REPO.
SUPPORT = "generator/call0603/authoring/cql"
FHIRHELPERS_ELM = f"{SUPPORT}/FHIRHelpers-4.0.1.elm.json"
