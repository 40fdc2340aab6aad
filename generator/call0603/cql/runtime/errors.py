"""The engine's two failures: a library that cannot be loaded, and an evaluation that cannot go on."""

from __future__ import annotations

from typing import Any


class ElmLoadError(Exception):
    """An ELM library (or one node of it) cannot be compiled: names the library, the node and why."""

    def __init__(self, why: str, *, library: str | None = None, node_type: str | None = None,
                 local_id: str | None = None, locator: str | None = None) -> None:
        self.why = why
        self.library = library
        self.node_type = node_type
        self.local_id = local_id
        self.locator = locator
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = []
        if self.library:
            where.append(f"library {self.library}")
        if self.node_type:
            where.append(f"node {self.node_type}")
        if self.local_id:
            where.append(f"localId {self.local_id}")
        if self.locator:
            where.append(f"at {self.locator}")
        return f"{', '.join(where)}: {self.why}" if where else self.why

    @classmethod
    def at(cls, node: dict[str, Any], why: str, library: str | None = None) -> ElmLoadError:
        """The error for one ELM node, naming its type, localId and locator."""
        return cls(why, library=library, node_type=node.get("type"), local_id=node.get("localId"),
                   locator=node.get("locator"))


class CqlRuntimeError(Exception):
    """Evaluation stopped: a Message with severity Error, an invalid operation, or missing terminology."""

    def __init__(self, message: str, *, source: Any = None, code: str | None = None) -> None:
        self.source = source
        self.code = code
        super().__init__(message)
