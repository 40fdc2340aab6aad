"""Loading and running compiled libraries: compiler, context, executor, results."""

from __future__ import annotations
