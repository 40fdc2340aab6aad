"""What a cohort run is asked to do, as plain data both engines read."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from .evaluator import DEFAULT_EVALUATOR
from .starts import NO_STARTS, Starts


@dataclass(frozen=True)
class Job:
    """One cohort run: the export (a folder path or a URL), day 0 sources, the as-of date, the evaluator and its package, and where the work goes."""

    export: Path | str
    out: Path
    as_of: _dt.date
    starts: Starts = NO_STARTS
    evaluator: str = DEFAULT_EVALUATOR
    workers: int = 1
    buckets: int | None = None
    package: Path | None = None

    @property
    def work(self) -> Path:
        """The run's working folder (buckets and part files), removed when the run completes."""
        return self.out / ".work"

    @property
    def buckets_dir(self) -> Path:
        """Pass 1's bucket files."""
        return self.work / "buckets"

    @property
    def parts_dir(self) -> Path:
        """The part files of evaluated patients."""
        return self.work / "parts"

    @property
    def source(self) -> str:
        """How a patient's data is named in refusals: the export folder or URL, as given."""
        return str(self.export)
