"""Fixtures of the cohort tests: synthetic exports, split and shuffled as a real Bulk Data export may be."""

from __future__ import annotations

import datetime as _dt
import gzip
import random
from pathlib import Path

import pytest

from call0603.cohort.job import Job
from call0603.cohort.synth.writer import synthesize

PLUMBING = "call0603.cohort.plumbing"
AS_OF = _dt.date(2025, 12, 31)


def reshuffle(source: Path, dest: Path, seed: int = 7, pieces: int = 3) -> Path:
    """The export's lines shuffled across `pieces` files per type (some gzip), as an export in any order."""
    rng = random.Random(seed)
    dest.mkdir(parents=True)
    for path in sorted(source.glob("*.ndjson")):
        lines = path.read_bytes().splitlines(keepends=True)
        rng.shuffle(lines)
        kind = path.name.removesuffix(".ndjson")
        for i in range(pieces):
            chunk = b"".join(lines[i::pieces])
            if i == 1:
                (dest / f"{kind}.{i}.ndjson.gz").write_bytes(gzip.compress(chunk))
            else:
                (dest / f"{kind}.{i}.ndjson").write_bytes(chunk)
    return dest


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 synthetic patients (seed 5), one file per type."""
    out = tmp_path_factory.mktemp("population")
    synthesize(out, 300, seed=5)
    return out


@pytest.fixture(scope="session")
def shuffled(population: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same population shuffled across several plain and gzip files per type."""
    return reshuffle(population, tmp_path_factory.mktemp("shuffled") / "export")


def job(export: Path, out: Path, **kwargs) -> Job:
    """A cohort job over the plumbing evaluator (as of 2025-12-31) unless told otherwise."""
    return Job(export=export, out=out, as_of=kwargs.pop("as_of", AS_OF), evaluator=kwargs.pop("evaluator", PLUMBING), **kwargs)
