"""The cohort report on records built to the paper's Table 1: its CR rates, its P values, real figures and a parseable page."""

from __future__ import annotations

import datetime as _dt
import html.parser
import json
from pathlib import Path

import pytest
from matplotlib import image

from call0603.cohort.report import write_report
from call0603.cohort.rows import age_band, row_of
from call0603.cohort.survival import efs, os_

# (level, patients in CR, patients not in CR) per factor, from Table 1 (CR 32 of 44 at 4 weeks).
PAPER = {
    "sex": [("male", 23, 8), ("female", 9, 4)],
    "timing": [("early", 13, 11), ("late", 19, 1)],
    "risk": [("standard", 14, 3), ("high", 18, 9)],
    "cytogenetics": [("favorable", 8, 1), ("unfavorable", 5, 1), ("normal", 19, 10)],
    "site": [("isolated-bm", 24, 10), ("bm-cns", 8, 2)],
    "immunophenotype": [("b-precursor", 25, 10), ("t-cell", 7, 2)],
    "dose": [(20, 14, 6), (30, 18, 6)],
}
PAPER_P = {"sex": 0.736, "timing": 0.002, "risk": 0.255, "cytogenetics": 0.319, "site": 0.557, "immunophenotype": 0.703, "dose": 0.711}


def _spread(levels: list[tuple]) -> tuple[list, list]:
    return [l for l, cr, _ in levels for _ in range(cr)], [l for l, _, no in levels for _ in range(no)]


def paper_records() -> list[dict]:
    """44 records whose factor-by-CR tables are the paper's, with follow-up for the survival curves."""
    columns = {k: sum(_spread(v), []) for k, v in PAPER.items()}
    records = []
    for i in range(44):
        cr = i < 32
        response = "RER" if i < 11 else "SER" if i < 26 else "not-evaluable" if i < 32 else "induction-death" if i == 43 else "induction-failure"
        death = "2008-01-20" if i == 43 else ("2010-06-01" if i % 3 == 0 or not cr else None)
        records.append({
            "subject": f"Patient/p{i:02d}", "start": "2008-01-01", "eligibility": {"value": "eligible"},
            "relapseTiming": {"value": columns["timing"][i]}, "riskGroup": {"value": columns["risk"][i]},
            "cytogeneticGroup": {"value": columns["cytogenetics"][i]},
            "cr2": {"value": "met" if cr else ("not-met" if i < 43 else "indeterminate")}, "response": {"value": response},
            "idarubicin": {"day14": {"value": "withhold" if i % 2 else "give"}, "day21": {"value": "indeterminate" if i == 5 else "give"}},
            "characteristics": {"sex": columns["sex"][i], "ageAtRelapseYears": 1.5 + i * 0.4, "relapseSite": columns["site"][i],
                                "immunophenotype": columns["immunophenotype"][i], "idarubicinTotalMgM2": columns["dose"][i]},
            "followUp": {"relapseAfterCR2": "2009-01-01" if cr and columns["timing"][i] == "early" else None, "death": death, "lastContact": death or "2016-01-01"},
        })
    return records


def _write(tmp_path: Path, records: list[dict]) -> dict:
    path = tmp_path / "assessments.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    summary = {"package": {"version": "0.1.0"}, "libraryHash": "sha256:abc", "asOf": "2017-12-31", "evaluator": "x",
               "patients": {"total": len(records), "assessed": len(records), "refused": 0}}
    return write_report(path, tmp_path, summary)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("report")
    extra = dict(paper_records()[0], subject="Patient/x1", eligibility={"value": "not-eligible"})
    unknown = dict(paper_records()[1], subject="Patient/x2", cr2={"value": "pending"}, response={"value": "pending"})
    return out, _write(out, [*paper_records(), extra, unknown])


def test_chi_square_p_values_are_the_papers(report: tuple[Path, dict]) -> None:
    table = {f["key"]: f for f in report[1]["table1"]}
    for key, p in PAPER_P.items():
        assert table[key]["chiSquare"]["p"] == pytest.approx(p, abs=0.0006), key
    assert table["response"]["chiSquare"]["p"] is None


def test_cr_rates_leave_out_unknown_cr_and_not_eligible(report: tuple[Path, dict]) -> None:
    stats = report[1]
    assert stats["notEligibleLeftOut"] == 1 and stats["population"] == 45
    assert stats["cr"] == {"known": 44, "cr": 32, "percent": 72.7}
    timing = {l["level"]: l for l in next(f for f in stats["table1"] if f["key"] == "timing")["levels"]}
    assert (timing["early"]["crPercent"], timing["late"]["crPercent"]) == (54.2, 95.0)
    assert timing["early"]["patients"] == 25 and timing["early"]["cr_known"] == 24
    assert stats["idarubicin"]["day21"]["indeterminate"] == 1


def test_survival_curves_and_logrank(report: tuple[Path, dict]) -> None:
    survival = report[1]["survival"]
    assert survival["OS"]["n"] == 45 and survival["EFS"]["n"] == 44 and survival["EFS"]["leftOut"] == 1
    assert 0 < survival["EFS"]["percent"] < survival["OS"]["percent"] < 100
    assert survival["efsByRelapseTimingLogrankP"] < 0.001


def test_figures_are_real_pictures(report: tuple[Path, dict]) -> None:
    out, stats = report
    assert len(stats["figures"]) == 4
    for name in stats["figures"]:
        pixels = image.imread(out / name)
        assert pixels.shape[0] >= 300 and pixels.shape[1] >= 600
        rgb = pixels[..., :3]
        assert (rgb < 0.9).any(axis=-1).mean() > 0.01, f"{name} is blank"
        assert len({tuple(p) for p in rgb.reshape(-1, 3)[::97]}) > 5, f"{name} has no drawing"


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(attrs["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_report_html_holds_table1_and_its_figures(report: tuple[Path, dict]) -> None:
    out, stats = report
    page = _Page()
    page.feed((out / "report.html").read_text())
    rows = {r[0]: r for r in page.tables["table1"]}
    assert rows["Time point of relapse"][4] == "0.002"
    assert rows["Early (< 24 months)"][1:4] == ["25", "24", "54.2"]
    assert rows["Late (≥ 24 months)"][3] == "95.0"
    assert set(page.tables) == {"population", "table1", "idarubicin", "survival"}
    assert page.images == stats["figures"] and all((out / src).is_file() for src in page.images)


def test_a_report_without_follow_up_draws_no_curves(tmp_path: Path) -> None:
    records = [dict(r, followUp={"relapseAfterCR2": None, "death": None, "lastContact": None}) for r in paper_records()]
    stats = _write(tmp_path, records)
    assert stats["survival"] is None and "no follow-up event" in stats["survivalNote"]
    assert len(stats["figures"]) == 2


@pytest.mark.parametrize(("years", "band"), [(4.99, "<5"), (5, "5-10"), (9.99, "5-10"), (10, ">=10"), (None, "unknown"), ("7", "unknown")])
def test_age_bands_at_their_boundaries(years: object, band: str) -> None:
    assert age_band(years) == band


def test_efs_and_os_events() -> None:
    base = {"start": "2008-01-01", "cr2": {"value": "met"}, "response": {"value": "RER"}}
    def row(**follow): return row_of(dict(base, followUp={"relapseAfterCR2": None, "death": None, "lastContact": None} | follow))
    assert efs(row(relapseAfterCR2="2009-01-01", death="2010-01-01", lastContact="2010-01-01")) == pytest.approx((366 / 30.4375, True))
    assert os_(row(relapseAfterCR2="2009-01-01", death="2010-01-01")) == pytest.approx((731 / 30.4375, True))
    assert efs(row(lastContact="2008-01-31")) == pytest.approx((30 / 30.4375, False))
    assert efs(row()) is None and os_(row()) is None
    failure = row_of(dict(base, cr2={"value": "not-met"}, response={"value": "induction-failure"}, followUp={"death": "2009-01-01"}))
    assert efs(failure) == (0.0, True)
    assert row_of(dict(base, cr2={"value": "pending"})).cr is None
    assert row_of({"start": "2008-01-01", "characteristics": {"relapseDate": "2007-12-20"}}).origin == _dt.date(2007, 12, 20)
