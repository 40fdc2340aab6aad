"""The one way the package writes JSON: pretty, sorted keys, UTF-8, a final newline (byte-identical every run)."""

from __future__ import annotations

import json
from typing import Any


def to_json_bytes(value: Any) -> bytes:
    """Serialize `value` deterministically: 2-space indent, sorted keys, no ASCII escaping, trailing newline."""
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def file_name(resource: dict[str, Any], suffix: str = ".json") -> str:
    """The IG-style file name of a resource: `<ResourceType>-<id><suffix>`."""
    return f"{resource['resourceType']}-{resource['id']}{suffix}"
