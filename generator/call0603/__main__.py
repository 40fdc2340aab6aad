"""`python3 -m call0603`: the same command line as the `call0603` console script."""

from __future__ import annotations

from .cli import main

main()
