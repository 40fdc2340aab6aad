"""The paper's 44 patients through the package's evaluator: the cohort report gives back the trial's response counts.

Runs once the evaluator (`call0603.evaluator.assess`) is there; it is the end-to-end check of synth, the
cohort run and the report on the real rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import job

from call0603.cohort.run import run_cohort
from call0603.cohort.synth.plans import PAPER_RESPONSES
from call0603.cohort.synth.writer import PAPER_HORIZON, synthesize

pytest.importorskip("call0603.evaluator.assess", reason="the evaluator (call0603 assess) is not built yet")


def test_the_paper_population_reproduces_its_response_counts(tmp_path: Path) -> None:
    synthesize(tmp_path / "export", 0, seed=11, paper=True)
    summary = run_cohort(job(tmp_path / "export", tmp_path / "out", evaluator="call0603.evaluator.assess",
                             as_of=PAPER_HORIZON, workers=1))
    assert summary["patients"] == summary["patients"] | {"total": 44, "assessed": 44, "refused": 0, "errors": 0}
    report = summary["report"]
    assert report["eligibility"] == {"eligible": 44}
    assert report["earlyResponse"] == PAPER_RESPONSES
    table = {f["key"]: {level["level"]: level["patients"] for level in f["levels"]} for f in report["table1"]}
    assert table["sex"] == {"male": 31, "female": 13}
    assert table["age"] == {"<5": 6, "5-10": 14, ">=10": 24}
    assert table["timing"] == {"early": 24, "late": 20}
    assert table["dose"] == {"20": 19, "30": 22, "40": 3}
    assert report["cr"] == {"known": 44, "cr": 31, "percent": 70.5, "ci95": (55.8, 81.8)}
    assert report["survival"] is not None
