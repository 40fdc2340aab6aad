"""ELM operators by family; each module registers compile functions for the node types it owns."""

from __future__ import annotations
