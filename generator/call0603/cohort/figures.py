"""The report's PNG figures (matplotlib, Agg, no global pyplot state): survival curves, CR2 by factor, idarubicin decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from matplotlib.figure import Figure

from .survival import Times, fit

MONTH_TICKS = list(range(0, 121, 12))


def _save(fig: Figure, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path.name


def _curve(ax, t: Times, label: str, **style) -> None:
    km = fit(t)
    if km is None:
        return
    curve = km.survival_function_
    times, values = list(curve.index), list(curve.iloc[:, 0])
    ax.step(times, values, where="post", label=f"{label} (n = {len(t.months)})", **style)
    censored = [m for m, e in zip(t.months, t.events) if not e]
    ax.plot(censored, [float(km.survival_function_at_times(m).iloc[0]) for m in censored], "|",
            color=ax.lines[-1].get_color(), markersize=6)


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
    fig = Figure(figsize=(7, 4.5))
    ax = _axes(fig, "Overall and event-free survival")
    _curve(ax, os_times, "OS", linewidth=2.5, color="#1f3b73")
    _curve(ax, efs_times, "EFS", linewidth=1.8, linestyle="--", color="#b8452e")
    ax.legend(loc="upper right")
    return _save(fig, path)


def efs_by_group_figure(path: Path, groups: dict[str, Times], p: float | None, title: str) -> str:
    """Fig. 2B: EFS by a factor (early vs late relapse), with the log-rank P."""
    fig = Figure(figsize=(7, 4.5))
    ax = _axes(fig, title)
    for (label, t), width in zip(groups.items(), (2.5, 1.2, 1.8)):
        _curve(ax, t, label, linewidth=width)
    if p is not None:
        ax.text(0.97, 0.62, f"P = {p:.3f}" if p >= 0.001 else "P < 0.001", transform=ax.transAxes, ha="right")
    ax.legend(loc="upper right")
    return _save(fig, path)


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
