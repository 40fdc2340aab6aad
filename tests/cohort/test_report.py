"""The cohort report on records built to the paper's Table 1: its CR rates, its P values, real figures and a parseable page."""

from __future__ import annotations

import datetime as _dt
import html.parser
import json
import re
from pathlib import Path

import pytest
from matplotlib import image

from call0603.cohort.report import write_report
from call0603.cohort.rows import age_band, row_of
from call0603.cohort.intervals import wilson
from call0603.cohort.survival import Times, at_risk, censor_marks, efs, os_

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
    assert stats["cr"] == {"known": 44, "cr": 32, "percent": 72.7, "ci95": (58.2, 83.7)}
    timing = {l["level"]: l for l in next(f for f in stats["table1"] if f["key"] == "timing")["levels"]}
    assert (timing["early"]["crPercent"], timing["late"]["crPercent"]) == (54.2, 95.0)
    assert (timing["early"]["crCi95"], timing["late"]["crCi95"]) == ((35.1, 72.1), (76.4, 99.1))
    assert stats["idarubicinRates"]["day21"]["indeterminate"] == {"percent": 2.2, "ci95": (0.4, 11.6)}
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
        self.classes: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self.figures: list[str] = []
        self.svg_texts: list[list[str]] = []
        self.censor_marks: dict[str, int] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._svg_text = False
        self._censor: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
            self.classes[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
            self.classes[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
            if self._table:
                self.classes[self._table][-1].append(attrs.get("class") or "")
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "figure":
            self.figures.append(attrs["data-file"])
            self.svg_texts.append([])
        elif tag == "text" and self.svg_texts:
            self._svg_text = True
        elif tag == "g" and (attrs.get("id") or "").startswith("censor-"):
            self._censor = attrs["id"]
            self.censor_marks[self._censor] = 0
        elif tag == "use" and self._censor:
            self.censor_marks[self._censor] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "text":
            self._svg_text = False
        elif tag == "g":
            self._censor = None
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._svg_text and data.strip():
            self.svg_texts[-1].append(data.strip())


def test_report_html_holds_table1_and_its_figures(report: tuple[Path, dict]) -> None:
    out, stats = report
    page = _Page()
    page.feed((out / "report.html").read_text())
    rows = {r[0]: r for r in page.tables["table1"]}
    assert rows["Time point of relapse"][4] == "0.002"
    assert rows["Early (< 24 months)"][1:4] == ["25", "24", "54.2 (35.1–72.1)"]
    assert rows["Late (≥ 24 months)"][3] == "95.0 (76.4–99.1)"
    assert set(page.tables) == {"population", "table1", "idarubicin", "survival"}
    assert page.images == [], "figures are embedded, not linked"
    assert page.figures == stats["figures"] and all((out / src).is_file() for src in page.figures)
    assert all((out / src).with_suffix(".svg").is_file() for src in page.figures)


def _page(out: Path) -> _Page:
    page = _Page()
    page.feed((out / "report.html").read_text())
    return page


def test_no_number_wraps_in_a_cell(report: tuple[Path, dict]) -> None:
    out, _ = report
    html = (out / "report.html").read_text()
    assert re.search(r"td\.num, th\.num \{[^}]*white-space: nowrap", html)
    page = _page(out)
    numeric = 0
    for table, rows in page.tables.items():
        for cells, classes in zip(rows, page.classes[table]):
            for i, (text, cls) in enumerate(zip(cells, classes)):
                if i > 0 and re.search(r"\d", text):
                    numeric += 1
                    assert "num" in cls.split(), (table, cells[0], text)
    assert numeric > 100


def test_rates_carry_their_95_percent_intervals_in_the_page(report: tuple[Path, dict]) -> None:
    page = _page(report[0])
    population = {r[0]: r[1] for r in page.tables["population"]}
    assert population["CR2 at day 28, % (95% CI)"] == "32 / 44: 72.7% (58.2–83.7)"
    idarubicin = {r[0]: r for r in page.tables["idarubicin"]}
    assert idarubicin["indeterminate"][3:5] == ["1", "2.2 (0.4–11.6)"]
    survival = {r[0]: r for r in page.tables["survival"]}
    low, high = report[1]["survival"]["OS"]["ci95"]
    assert low < report[1]["survival"]["OS"]["percent"] < high
    assert survival["OS"][3].endswith(f"({low:.1f}–{high:.1f})")


def test_survival_figures_show_numbers_at_risk_and_apart_censor_marks(report: tuple[Path, dict]) -> None:
    out, stats = report
    page = _page(out)
    texts = dict(zip(page.figures, page.svg_texts))
    os_efs = texts["figures/fig2a-os-efs.png"]
    assert "Number at risk" in os_efs
    at_risk = os_efs[os_efs.index("OS", os_efs.index("Number at risk")):][:12]
    assert at_risk[0] == "OS" and at_risk[1] == str(stats["survival"]["OS"]["n"])
    assert [int(n) for n in at_risk[1:]] == sorted((int(n) for n in at_risk[1:]), reverse=True)
    # every censored patient of these records is last seen on 2016-01-01: one mark per curve, not a bar of ticks
    assert page.censor_marks == {"censor-OS": 1, "censor-EFS": 1, "censor-Early relapse": 0, "censor-Late relapse": 1}
    assert "Number at risk" in texts["figures/fig2b-efs-by-relapse-timing.png"]


def test_censor_marks_never_merge_and_at_risk_counts() -> None:
    many = Times(tuple(i * 0.05 for i in range(2400)), tuple(i % 7 == 0 for i in range(2400)), 0)
    marks = censor_marks(many, 2.0)
    assert len(marks) == 60 and all(b - a >= 0.05 for a, b in zip(marks, marks[1:]))
    assert {int(m // 2) for m in marks} == set(range(60))
    small = Times((0.0, 3.0, 12.0, 12.0, 30.0), (True, False, True, False, False), 0)
    assert at_risk(small, [0, 12, 24, 36]) == [5, 3, 1, 0]
    assert censor_marks(small, 2.0) == [3.0, 12.0, 30.0]


@pytest.mark.parametrize(("k", "n", "bounds"), [(0, 10, (0.0, 27.8)), (10, 10, (72.2, 100.0)), (1, 2, (9.5, 90.5)),
                                                (32, 44, (58.2, 83.7)), (0, 0, None)])
def test_wilson_interval(k: int, n: int, bounds: tuple[float, float] | None) -> None:
    assert wilson(k, n) == bounds


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
