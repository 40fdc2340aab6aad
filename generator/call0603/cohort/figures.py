"""The report's figures (matplotlib, Agg, no global pyplot state): survival curves with numbers at risk, CR2 by factor,
idarubicin decisions. Each is written twice: PNG for the files, SVG (text kept as text, fixed ids, no date) for the
HTML page to embed."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib
from matplotlib.figure import Figure

from .survival import Times, at_risk, censor_marks, fit

MONTH_TICKS = list(range(0, 121, 12))
#: At most one censor mark per this many months, so marks stay apart at any cohort size.
CENSOR_BIN_MONTHS = 2.0
#: SVG output that is the same on every run: a fixed id salt, no date, text as text.
SVG_RC = {"svg.hashsalt": "call0603", "svg.fonttype": "none"}


def svg_name(png_name: str) -> str:
    """The SVG twin of a figure's PNG file name."""
    return png_name.removesuffix(".png") + ".svg"


def _save(fig: Figure, path: Path, *, tight: bool = True) -> str:
    if tight:
        fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(path.with_name(svg_name(path.name)), format="svg", metadata={"Date": None, "Creator": None})
    return path.name


def _curve(ax, t: Times, label: str, **style) -> str | None:
    km = fit(t)
    if km is None:
        return None
    curve = km.survival_function_
    times, values = list(curve.index), list(curve.iloc[:, 0])
    ax.step(times, values, where="post", label=f"{label} (n = {len(t.months)})", **style)
    colour = ax.lines[-1].get_color()
    marks = censor_marks(t, CENSOR_BIN_MONTHS)
    ax.plot(marks, [float(km.survival_function_at_times(m).iloc[0]) for m in marks], linestyle="none", marker="|",
            color=colour, markersize=9, markeredgewidth=1.6, gid=f"censor-{label}")
    return colour


def _at_risk_rows(fig: Figure, ax, rows: list[tuple[str, Times, str]]) -> None:
    """The numbers at risk at each month tick, one row per curve, under the x axis (in the curve's colour)."""
    fig.subplots_adjust(left=0.2, right=0.97, top=0.93, bottom=0.2 + 0.045 * len(rows))
    axis = ax.get_xaxis_transform()
    ax.text(-0.03, -0.2, "Number at risk", transform=ax.transAxes, ha="right", va="top", fontsize=8, fontweight="bold")
    for i, (label, t, colour) in enumerate(rows):
        y = -0.27 - 0.07 * i
        ax.text(-0.03, y, label, transform=ax.transAxes, ha="right", va="top", fontsize=8, color=colour)
        for tick, n in zip(MONTH_TICKS, at_risk(t, MONTH_TICKS)):
            ax.text(tick, y, str(n), transform=axis, ha="center", va="top", fontsize=8, color=colour,
                    gid=f"at-risk-{label}-{tick}")


def _axes(fig: Figure, title: str):
    ax = fig.add_subplot()
    ax.set_xlim(0, 120)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(MONTH_TICKS)
    ax.set_xlabel("Months from relapse")
    ax.set_ylabel("Survival probability")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def survival_figure(path: Path, os_times: Times, efs_times: Times) -> str:
    """Fig. 2A: OS (thick solid) and EFS (dashed) of all patients."""
    fig = Figure(figsize=(7, 5.2))
    ax = _axes(fig, "Overall and event-free survival")
    rows = []
    for label, t, style in (("OS", os_times, {"linewidth": 2.5, "color": "#1f3b73"}),
                            ("EFS", efs_times, {"linewidth": 1.8, "linestyle": "--", "color": "#b8452e"})):
        colour = _curve(ax, t, label, **style)
        if colour is not None:
            rows.append((label, t, colour))
    ax.legend(loc="upper right")
    _at_risk_rows(fig, ax, rows)
    return _save(fig, path, tight=False)


def efs_by_group_figure(path: Path, groups: dict[str, Times], p: float | None, title: str) -> str:
    """Fig. 2B: EFS by a factor (early vs late relapse), with the log-rank P."""
    fig = Figure(figsize=(7, 5.2))
    ax = _axes(fig, title)
    rows = []
    for (label, t), width in zip(groups.items(), (2.5, 1.2, 1.8)):
        colour = _curve(ax, t, label, linewidth=width)
        if colour is not None:
            rows.append((label, t, colour))
    if p is not None:
        ax.text(0.97, 0.62, f"P = {p:.3f}" if p >= 0.001 else "P < 0.001", transform=ax.transAxes, ha="right")
    ax.legend(loc="upper right")
    _at_risk_rows(fig, ax, rows)
    return _save(fig, path, tight=False)


def cr_figure(path: Path, bars: Sequence[tuple[str, float, int]]) -> str:
    """CR2 rate (%) by factor level, one horizontal bar per level with its number of patients."""
    fig = Figure(figsize=(7, 0.3 * len(bars) + 1.2))
    ax = fig.add_subplot()
    labels = [label for label, _, _ in bars][::-1]
    values = [value for _, value, _ in bars][::-1]
    ax.barh(labels, values, color="#3a7ca5")
    for y, (value, n) in enumerate(zip(values, [n for _, _, n in bars][::-1])):
        ax.text(value + 1, y, f"{value:.1f}% (n = {n})", va="center", fontsize=8)
    ax.set_xlim(0, 140)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("CR2 at day 28, %")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title("CR2 rate by factor")
    return _save(fig, path)


def withholding_figure(path: Path, counts: dict[str, dict[str, int]], values: Sequence[str]) -> str:
    """Idarubicin decisions on days 14 and 21: patients per decision, side by side."""
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    width = 0.38
    for i, (day, colour) in enumerate((("day14", "#3a7ca5"), ("day21", "#d9a441"))):
        xs = [j + (i - 0.5) * width for j in range(len(values))]
        heights = [counts[day].get(v, 0) for v in values]
        ax.bar(xs, heights, width, label=f"Day {day[3:]}", color=colour)
        for x, h in zip(xs, heights):
            ax.text(x, h, str(h), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(values)), list(values))
    ax.set_ylabel("Patients")
    ax.set_title("Idarubicin withholding decisions")
    ax.legend()
    return _save(fig, path)
