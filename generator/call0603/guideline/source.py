"""Reads the YAML files of `guideline/` strictly: exact decimals, dates as text, no duplicate keys, line numbers kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from .errors import GuidelineError, PathPart, Problem

#: The files of `guideline/`, one top-level key of the document each, in reading order.
PARTS: tuple[str, ...] = ("package", "settings", "regimen", "assessment", "terminology")

_FLOAT = re.compile(r"^[-+]?(\d[\d_]*)?\.\d+([eE][-+]?\d+)?$|^[-+]?\d[\d_]*[eE][-+]?\d+$")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps decimals exact, leaves dates as strings and refuses duplicate keys."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _decimal(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node).replace("_", "")
    if _FLOAT.match(text):
        return Decimal(text)
    return loader.construct_yaml_float(node)


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@dataclass(frozen=True)
class SourceFile:
    """One parsed YAML file: its data and its node tree (for line numbers)."""

    path: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, path: Sequence[PathPart]) -> int | None:
        """The 1-based line of the deepest node of `path` that exists in the file."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


def _child(node: yaml.Node, part: PathPart) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                return value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def read_file(path: Path) -> SourceFile:
    """Parse one YAML file; any syntax error, duplicate key or unreadable file is a GuidelineError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GuidelineError([Problem(path, (), "file is missing")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GuidelineError([Problem(path, (), f"cannot be read: {exc}")]) from None
    try:
        root = yaml.compose(text, Loader=_StrictLoader)
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise GuidelineError([Problem(path, (), f"not valid YAML: {reason}", line)]) from None
    except yaml.YAMLError as exc:
        raise GuidelineError([Problem(path, (), f"not valid YAML: {exc}")]) from None
    return SourceFile(path, data, root)


def read_folder(folder: Path) -> Mapping[str, SourceFile]:
    """Every part of the guideline, keyed by part name (`regimen` ← `regimen.yaml`)."""
    if not folder.is_dir():
        raise GuidelineError([Problem(folder, (), "guideline folder is missing")])
    return {part: read_file(folder / f"{part}.yaml") for part in PARTS}
