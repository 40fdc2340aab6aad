"""The cohort report: report.html (figures embedded as SVG), the figures as PNG and SVG files, and the statistics
summary.json carries, from assessments.ndjson."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

import jinja2

from . import figures
from .intervals import wilson
from .rows import UNKNOWN, Row, read_rows
from .survival import ENDPOINTS, LANDMARK_MONTHS, efs, has_events, landmark, logrank, os_, times
from .table1 import FACTORS, Factor, chi_square, count_levels

REPORT = "report.html"
FIGURES = "figures"
DECISIONS = ("give", "withhold", "indeterminate", "pending", UNKNOWN)
NOTES = (
    "CR2 is the day-28 assessment (the paper's 4-week CR2 rate); an induction death counts as no CR; a patient whose "
    "CR2 is pending or indeterminate is counted on the table but left out of the rate and the test.",
    "P (CR) is Pearson's chi-square on the CR-by-factor table without Yates' correction, as the paper's printed values "
    "are; site of relapse compares isolated with combined, idarubicin dose ≤ 20 with ≥ 30 mg/m2, as the paper does.",
    "EFS: from relapse to failure to reach CR2 (at time 0), relapse after CR2 or death; OS: to death. Survival at "
    f"{LANDMARK_MONTHS // 12} years by Kaplan-Meier ± Greenwood SE, with its 95% confidence interval (exponential "
    "Greenwood); P by the log-rank test. Numbers at risk are printed under each curve; a censor mark stands for the "
    "patients censored within two months.",
    "Rates carry 95% confidence intervals by Wilson's score method (it stays within 0-100% and holds for small groups).",
    "The paper's own counts disagree in places (24 or 27 early relapsers; 32 CR2 at 4 weeks against 11 RER + 15 SER "
    "+ 5 NA with CR by its definitions): a population built to the paper's responses has 31 patients in CR2.",
)


def _factor(factor: Factor, rows: Sequence[Row], events: bool) -> dict[str, Any]:
    levels = []
    for count in count_levels(factor, rows):
        line: dict[str, Any] = asdict(count) | {"crPercent": count.cr_percent, "crCi95": count.cr_ci95}
        if events:
            mine = [r for r in rows if factor.of(r) == count.level]
            for name, endpoint in ENDPOINTS.items():
                line[name] = asdict(landmark(times(mine, endpoint)))
        levels.append(line)
    test = chi_square(factor, rows)
    out: dict[str, Any] = {"key": factor.key, "title": factor.title, "levels": levels, "chiSquare": asdict(test)}
    if events:
        out["logrank"] = {name: logrank(rows, factor.of, endpoint) for name, endpoint in ENDPOINTS.items()}
    return out


def _decisions(rows: Sequence[Row]) -> dict[str, dict[str, int]]:
    return {"day14": dict(Counter(r.idarubicin14 for r in rows)), "day21": dict(Counter(r.idarubicin21 for r in rows))}


def _decision_rates(decisions: dict[str, dict[str, int]], population: int) -> dict[str, dict[str, Any]]:
    """Each decision's share of the population on days 14 and 21, in percent with its 95% Wilson interval."""
    return {day: {value: {"percent": round(100 * n / population, 1) if population else None, "ci95": wilson(n, population)}
                  for value, n in counts.items()} for day, counts in decisions.items()}


def _survival(rows: Sequence[Row], figure_dir: Path) -> tuple[dict[str, Any], list[str]]:
    os_times, efs_times = times(rows, os_), times(rows, efs)
    by_timing = {"Early relapse": times([r for r in rows if r.timing == "early"], efs),
                 "Late relapse": times([r for r in rows if r.timing == "late"], efs)}
    p = logrank(rows, lambda r: r.timing, efs)
    names = [figures.survival_figure(figure_dir / "fig2a-os-efs.png", os_times, efs_times),
             figures.efs_by_group_figure(figure_dir / "fig2b-efs-by-relapse-timing.png", by_timing, p,
                                         "Event-free survival by timing of relapse")]
    return {
        "OS": asdict(landmark(os_times)) | {"leftOut": os_times.left_out},
        "EFS": asdict(landmark(efs_times)) | {"leftOut": efs_times.left_out},
        "efsByRelapseTimingLogrankP": p, "landmarkMonths": LANDMARK_MONTHS,
    }, names


def build(rows: Sequence[Row], figure_dir: Path) -> dict[str, Any]:
    """The report's statistics over the assessed rows, drawing the figures into `figure_dir`."""
    figure_dir.mkdir(parents=True, exist_ok=True)
    for old in [*figure_dir.glob("*.png"), *figure_dir.glob("*.svg")]:
        old.unlink()
    eligibility = Counter(r.eligibility for r in rows)
    population = [r for r in rows if r.eligibility != "not-eligible"]
    events = has_events(population)
    table = [_factor(f, population, events) for f in FACTORS]
    known = [r for r in population if r.cr is not None]
    decisions = _decisions(population)
    bars = [(f"{f['title'].split(',')[0]}: {level['label']}", level["crPercent"], level["patients"])
            for f in table if f["key"] != "response" for level in f["levels"]
            if level["crPercent"] is not None and level["level"] != UNKNOWN]
    names = [figures.cr_figure(figure_dir / "cr-by-factor.png", bars),
             figures.withholding_figure(figure_dir / "idarubicin-withholding.png", decisions, DECISIONS)] if population else []
    survival: dict[str, Any] | None = None
    if events:
        survival, more = _survival(population, figure_dir)
        names += more
    return {
        "assessed": len(rows), "eligibility": dict(sorted(eligibility.items())),
        "population": len(population), "notEligibleLeftOut": eligibility.get("not-eligible", 0),
        "cr": {"known": len(known), "cr": sum(1 for r in known if r.cr),
               "percent": round(100 * sum(1 for r in known if r.cr) / len(known), 1) if known else None,
               "ci95": wilson(sum(1 for r in known if r.cr), len(known))},
        "earlyResponse": dict(sorted(Counter(r.response for r in population).items())),
        "table1": table, "idarubicin": decisions, "idarubicinRates": _decision_rates(decisions, len(population)),
        "survival": survival,
        "survivalNote": None if events else "no follow-up event (relapse after CR2, death) in the data: no curves drawn",
        "figures": [f"{FIGURES}/{n}" for n in names],
    }


def _ci(bounds: Sequence[float] | None) -> str:
    return "" if bounds is None else f"({bounds[0]:.1f}–{bounds[1]:.1f})"


def _inline_svg(path: Path) -> str:
    """A figure's SVG for embedding in the page: the document without its XML prolog and DOCTYPE."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["p"] = lambda p: "-" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}")
    env.filters["pct"] = lambda v: "-" if v is None else f"{v:.1f}"
    env.filters["ci"] = _ci
    return env


def write_report(assessments: Path, out: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """Write report.html and its figures next to the outputs; return the statistics for summary.json."""
    stats = build(list(read_rows(assessments)), out / FIGURES)
    svgs = [_inline_svg(out / figures.svg_name(name)) for name in stats["figures"]]
    html = _environment().get_template("report.html.j2").render(stats=stats, summary=summary, notes=NOTES, decisions=DECISIONS,
                                                                svgs=svgs)
    (out / REPORT).write_text(html)
    return stats
