"""The sheet as a real browser shows it: headless Chromium parses the page written by `call0603 sheet`, its DOM holds
the hand-written calendar and every decision, it prints on at most two A4 pages, and a PNG screenshot is kept in
build/test-artifacts/ for people to look at.

Chromium is Debian's `chromium` (`.ci/run` installs it when absent); where it is not installed the tests skip and
say so.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sheet_support import ARTIFACTS, EXAMPLE, EXAMPLE_AS_OF, hand_table
from typer.testing import CliRunner

from call0603.cli import app
from call0603.sheet.model import Sheet

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run installs it)")
WINDOW = (1500, 2300)


class _Dom(HTMLParser):
    """Elements with their attributes and text, as the browser serialised them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in ("br", "col", "meta", "line", "circle", "rect", "polyline", "input", "img", "link"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, Any]]:
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180, check=True)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's sheet, written by the command line."""
    out = tmp_path_factory.mktemp("sheet") / "sheet.html"
    result = CliRunner().invoke(app, ["sheet", str(EXAMPLE), "--as-of", EXAMPLE_AS_OF.isoformat(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def dom(page: Path, tmp_path_factory: pytest.TempPathFactory) -> _Dom:
    """The page's DOM after Chromium loaded it."""
    parsed = _Dom()
    parsed.feed(_chromium("--dump-dom", page.as_uri(), profile=tmp_path_factory.mktemp("profile")).stdout)
    return parsed


def test_calendar_cells_in_the_browser_equal_the_hand_written_table(dom: _Dom) -> None:
    rows = [tr["attrs"]["data-row"] for tr in dom.find("tr") if "data-row" in tr["attrs"] and "data-state" not in tr["attrs"]]
    assert rows == ["prednisolone", "vincristine", "asparaginase", "idarubicin", "intrathecal", "marrow-exams"]
    cells = _cells_by_row(dom)
    assert {key: (td["attrs"]["data-state"], td["attrs"]["data-dose"] or None) for key, td in cells.items()} == hand_table()
    assert len([td for td in dom.find("td") if "data-state" in td["attrs"]]) == len(hand_table())
    assert len([td for td in dom.find("td") if "data-day" in td["attrs"]]) == 6 * 31
    today = [th for th in dom.find("th") if "is-today" in (th["attrs"].get("class") or "")]
    assert [th["attrs"]["data-day"] for th in today] == ["14"]
    assert "HOLD" in cells[("idarubicin", 14)]["text"] and "12.58" in cells[("idarubicin", 21)]["text"]
    assert "M2" in cells[("marrow-exams", 7)]["text"] and "12%" in cells[("marrow-exams", 7)]["text"]


def _cells_by_row(dom: _Dom) -> dict[tuple[str, int], dict[str, Any]]:
    """Calendar cells with a state, by (row, day), in document order (each row's cells follow its <tr>)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    row_id = None
    for element in dom.elements:
        if element["tag"] == "tr" and "data-row" in element["attrs"] and "data-state" not in element["attrs"]:
            row_id = element["attrs"]["data-row"]
        elif element["tag"] == "td" and "data-state" in element["attrs"] and row_id is not None:
            out[(row_id, int(element["attrs"]["data-day"]))] = element
    return out


def test_every_decision_with_its_reason_is_on_the_page(dom: _Dom, example_sheet: Sheet) -> None:
    lines = {tr["attrs"]["data-decision"]: tr["text"] for tr in dom.find("tr") if "data-decision" in tr["attrs"]}
    assert len(lines) == 18  # 5 classifications, BSA, 3 marrows, 4 idarubicin days, CR2, response, 3 toxicities
    report = example_sheet.report
    assert report["idarubicin"]["day14"]["reason"] in lines["idarubicin day 14"]
    assert "withhold" in lines["idarubicin day 14"] and "Observation/anc-day14" in lines["idarubicin day 14"]
    assert "12.58 mg" in lines["idarubicin day 21"] and "pending" in lines["idarubicin day 21"]
    assert report["cnsStatus"]["reason"] in lines["CNS status"]
    assert "grade 4" in lines["toxicity neutropenia"]
    assert dom.find(id="ignored-none"), "the ignored list says it is empty"


def test_due_today_header_and_figure(dom: _Dom) -> None:
    due = [(tr["attrs"]["data-row"], tr["attrs"]["data-state"]) for tr in dom.find("tr") if "data-state" in tr["attrs"]]
    assert due == [("prednisolone", "due"), ("vincristine", "due"), ("asparaginase", "due"), ("idarubicin", "withhold"),
                   ("marrow-exams", "resulted")]
    assert dom.find(id="study-day")[0]["text"] == "14" and dom.find(id="day0")[0]["text"] == "2024-03-04"
    assert dom.find(id="bsa")[0]["text"] == "1.26 m²"
    assert "148 cm" in dom.find("header")[0]["text"] and "38.5 kg" in dom.find("header")[0]["text"]
    thresholds = sorted(line["attrs"]["data-threshold"] for line in dom.find("line") if "data-threshold" in line["attrs"])
    assert thresholds == ["500", "50000"]
    points = {(c["attrs"]["data-day"], c["attrs"]["data-value"]) for c in dom.find("circle")}
    assert {("13", "620.00"), ("14", "380.00"), ("14", "45000"), ("7", "12"), ("14", "3")} <= points
    assert dom.find("line", **{"class": "today"})


def test_the_page_loads_nothing_from_outside(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", html)
    assert "<script" not in html and "@import" not in html and "url(" not in html


def test_prints_on_at_most_two_a4_pages(page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "sheet.pdf"
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), profile=tmp_path / "profile")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 1 <= pages <= 2


def test_screenshot_is_kept_as_a_test_artifact(page: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / "sheet-day14-low-counts.png"
    png.unlink(missing_ok=True)
    _chromium(f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--screenshot={png}", page.as_uri(), profile=tmp_path / "profile")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == WINDOW
