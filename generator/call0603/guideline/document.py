"""The validated guideline document as exact JSON, and back: what a built package carries so evaluation never
reads `guideline/` (decimals keep their text: 1.5 stays 1.5, 0.10 stays 0.10)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Mapping

from .convert import to_guideline
from .model import Guideline

#: Where a FHIR NPM package carries the document (the package spec's `other/` folder for non-resource files).
PACKAGE_PATH = "package/other/guideline.json"

_MARK = "\u0000decimal:"
_MARKED = re.compile(r'"\\u0000decimal:([^"]+)"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _MARK + format(value, "f")
    if isinstance(value, Mapping):
        return {key: _mark(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mark(item) for item in value]
    return value


def document_json(document: Mapping[str, Any]) -> bytes:
    """The document as JSON (sorted keys, 2-space indent), every decimal written as the number it is."""
    text = json.dumps(_mark(document), indent=2, sort_keys=True, ensure_ascii=False)
    return (_MARKED.sub(lambda m: m.group(1), text) + "\n").encode("utf-8")


def guideline_from_json(data: bytes) -> Guideline:
    """The typed guideline of a document written by `document_json` (already validated when it was built)."""
    return to_guideline(json.loads(data, parse_float=Decimal))
