"""The counts-over-time figure as inline SVG: ANC and platelets against the withholding thresholds, marrow blasts in
their M1/M2/M3 bands, on the study-day axis of the calendar, with today marked.

Thresholds and bands are read from guideline/ (the same numbers the CQL was rendered from); the points are the
sheet's results. Drawn by hand so the page needs no plotting library, no font files and no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Mapping, Sequence

from ..guideline.model import Guideline
from ..units import unit_display
from .model import Point

WIDTH, LEFT, RIGHT = 1000, 96, 16
PANEL, GAP, TOP, AXIS = 110, 40, 40, 34
INK, MUTED, ALERT, TODAY = "#1b1f24", "#5b6570", "#b3261e", "#0b57d0"
BANDS = (("M1", "#e6f4ea"), ("M2", "#fef7e0"), ("M3", "#fce8e6"))


@dataclass(frozen=True)
class Panel:
    """One stacked panel: its points, unit, and either a threshold line or marrow bands."""

    title: str
    unit: str
    points: Sequence[Point]
    threshold: Decimal | None = None
    threshold_label: str = ""
    bands: tuple[Decimal, Decimal] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


def _number(value: Decimal | float) -> str:
    exact = Decimal(str(value))
    return f"{exact.to_integral_value():,f}" if exact == exact.to_integral_value() else f"{exact.normalize():,f}"


def _x(day: float, last_day: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (day + 0.5) / (last_day + 1)


def _top(values: list[Decimal], floor: Decimal) -> Decimal:
    peak = max([floor, *values])
    for step in (Decimal(s) for s in ("1", "2", "5", "10", "20", "25", "50", "100", "200", "250", "500", "1000", "2000",
                                      "2500", "5000", "10000", "20000", "25000", "50000", "100000", "200000", "250000",
                                      "500000", "1000000")):
        if step * 4 >= peak * Decimal("1.1"):
            return step * 4
    return peak * Decimal("1.1")


def _panel(panel: Panel, y0: float, last_day: int, today: int) -> list[str]:
    values = [p.value for p in panel.points if 0 <= p.day <= last_day]
    floor = panel.threshold * 2 if panel.threshold is not None else Decimal(30)
    top = min(_top(values, floor), Decimal(100)) if panel.bands else _top(values, floor)

    def y(v: Decimal) -> float:
        return y0 + PANEL - PANEL * float(min(v, top) / top)

    out = [f'<g class="panel" data-panel="{escape(panel.title)}">']
    if panel.bands is not None:
        m2, m3 = panel.bands
        edges = [(Decimal(0), m2), (m2, m3), (m3, top)]
        for (low, high), (name, colour) in zip(edges, BANDS):
            if low >= top:
                continue
            out.append(f'<rect x="{LEFT}" y="{y(high):.1f}" width="{WIDTH - LEFT - RIGHT}" height="{y(low) - y(high):.1f}" '
                       f'fill="{colour}"/>')
            out.append(f'<text x="{WIDTH - RIGHT - 4}" y="{(y(low) + y(high)) / 2 + 4:.1f}" text-anchor="end" '
                       f'class="band">{name}</text>')
    out.append(f'<rect x="{LEFT}" y="{y0}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL}" fill="none" stroke="#c4c9cf"/>')
    for fraction in (0, 0.5, 1):
        v = top * Decimal(str(fraction))
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">{_number(v)}</text>')
    out.append(f'<text x="{LEFT}" y="{y0 - 8}" class="label">{escape(panel.title)} <tspan class="unit">({escape(panel.unit)})</tspan></text>')
    if panel.threshold is not None:
        ty = y(panel.threshold)
        out.append(f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{ALERT}" '
                   f'stroke-width="1.5" stroke-dasharray="6 4" data-threshold="{panel.threshold}"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 4}" y="{ty - 5:.1f}" text-anchor="end" class="threshold-label">'
                   f'{escape(panel.threshold_label)}</text>')
    shown = [p for p in panel.points if 0 <= p.day <= last_day]
    if len(shown) > 1 and panel.bands is None:
        path = " ".join(f"{_x(p.day, last_day):.1f},{y(p.value):.1f}" for p in shown)
        out.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.5"/>')
    previous_above = False
    for i, p in enumerate(shown):
        low = panel.threshold is not None and p.value < panel.threshold
        colour = ALERT if low else INK
        crowded = i > 0 and p.day - shown[i - 1].day <= 2 and previous_above
        above = not crowded and not (i > 0 and p.value > shown[i - 1].value and p.day - shown[i - 1].day <= 2)
        previous_above = above
        label = " ".join(t for t in (panel.labels.get(p.resource, ""), _number(p.value) + ("%" if panel.bands else "")) if t)
        out.append(f'<circle class="point" cx="{_x(p.day, last_day):.1f}" cy="{y(p.value):.1f}" r="4" fill="{colour}" '
                   f'data-day="{p.day}" data-value="{p.value}"><title>{escape(p.resource)} {p.date.isoformat()}: '
                   f'{_number(p.value)} {escape(panel.unit)}</title></circle>')
        out.append(f'<text x="{_x(p.day, last_day):.1f}" y="{y(p.value) + (-9 if above else 17):.1f}" text-anchor="middle" '
                   f'class="value" fill="{colour}">{escape(label)}</text>')
    out.append("</g>")
    return out


def counts_figure(series: Mapping[str, Sequence[Point]], guideline: Guideline, *, last_day: int, today: int,
                  marrow_labels: Mapping[str, str]) -> str:
    """The figure's SVG: ANC, platelets and marrow blasts (labelled with the report's status), days 0 to `last_day`."""
    rule = guideline.regimen.withholding
    status = guideline.assessment
    days = ", ".join(str(d) for d in rule.days)
    panels = [
        Panel("ANC", unit_display(rule.anc_below.unit), series.get("anc", ()), rule.anc_below.value,
              f"withhold {rule.agent} below {_number(rule.anc_below.value)} {unit_display(rule.anc_below.unit)} (days {days})"),
        Panel("Platelets", unit_display(rule.platelets_below.unit), series.get("platelets", ()), rule.platelets_below.value,
              f"withhold {rule.agent} below {_number(rule.platelets_below.value)} {unit_display(rule.platelets_below.unit)} (days {days})"),
        Panel("Marrow blasts", "%", series.get("marrow", ()), bands=(status.m2_from.value, status.m3_above.value),
              labels=marrow_labels),
    ]
    height = TOP + len(panels) * PANEL + (len(panels) - 1) * GAP + AXIS
    body: list[str] = []
    for i, panel in enumerate(panels):
        body += _panel(panel, TOP + i * (PANEL + GAP), last_day, today)
    bottom = TOP + len(panels) * PANEL + (len(panels) - 1) * GAP
    for day in range(0, last_day + 1):
        if day % 7 == 0 or day == last_day:
            body.append(f'<text x="{_x(day, last_day):.1f}" y="{bottom + 16}" text-anchor="middle" class="tick">{day}</text>')
            body.append(f'<line x1="{_x(day, last_day):.1f}" x2="{_x(day, last_day):.1f}" y1="{TOP}" y2="{bottom}" '
                        f'stroke="#e3e6ea" stroke-width="1"/>')
    body.append(f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{bottom + 31}" text-anchor="middle" class="unit">study day</text>')
    if 0 <= today <= last_day:
        tx = _x(today, last_day)
        body.append(f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="{TOP - 6}" y2="{bottom}" stroke="{TODAY}" '
                    f'stroke-width="2"/>')
        body.append(f'<text x="{tx:.1f}" y="{TOP - 8}" text-anchor="middle" class="today-label">today, day {today}</text>')
    style = (f"<style>.counts-figure text{{font-family:inherit;fill:{INK}}}.counts-figure .tick{{font-size:11px;fill:{MUTED}}}"
             f".counts-figure .label{{font-size:13px;font-weight:600}}.counts-figure .unit{{font-size:11px;fill:{MUTED}}}"
             f".counts-figure .band{{font-size:11px;fill:{MUTED};font-weight:600}}.counts-figure .value{{font-size:11px;font-weight:600}}"
             f".counts-figure .threshold-label{{font-size:11px;fill:{ALERT}}}"
             f".counts-figure .today-label{{font-size:11px;fill:{TODAY};font-weight:600}}</style>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="ANC, platelets and marrow blasts by study day" class="counts-figure">'
            f'{style}{"".join(body)}</svg>')
