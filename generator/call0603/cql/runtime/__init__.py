"""Loading and running compiled libraries: compiler, context, executor, errors."""

from __future__ import annotations
