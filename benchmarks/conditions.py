"""The machine's conditions around a measurement: load averages before and after, cores, so that a figure taken on
a loaded machine is recognisable as such."""

from __future__ import annotations

import os
from dataclasses import dataclass


def load() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (zeros where the platform has none)."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def text(averages: tuple[float, float, float]) -> str:
    """Load averages as '1.02/0.88/0.60' (1, 5, 15 minutes)."""
    return "/".join(f"{a:.2f}" for a in averages)


@dataclass
class Conditions:
    """Load average at the start of a measurement, and the line that states it with the load at the end."""

    before: tuple[float, float, float]

    @classmethod
    def now(cls) -> Conditions:
        """Conditions taken now, before the measured run."""
        return cls(load())

    def line(self) -> str:
        """'load 1/5/15 min before 1.20/0.90/0.50, after 2.10/1.10/0.60 on 2 cores'."""
        return f"load 1/5/15 min before {text(self.before)}, after {text(load())} on {os.cpu_count()} cores"
