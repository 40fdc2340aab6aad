"""When a RequestGroup action is to be performed, from its `relatedAction` and the timing of the action it names.

R4's action-relationship-type: an action `before-start`, `before` or `before-end` another is performed before that
action's start (its start for `before`) or end; `after-start`, `after`, `after-end` after its start or end (its end
for `after`); `concurrent-with-start`, `concurrent-with-end` at its start or end, `concurrent` over its whole timing.
The offset says by how much: a Duration gives one instant (`timingDateTime`), a Range the span between its two ends
(`timingPeriod`), no offset the open span before or after the anchor (a Period with one end). An action with more
than one relatedAction is performed where all of them hold (the spans intersected). Only a related action with a
dated time anchors one: `timingDateTime`, `timingPeriod`, a `timingTiming`'s dated events (first to last) or its
`boundsPeriod`, its own or found this way; otherwise the action keeps its relatedAction and gets no timing.

Offsets take any UCUM unit of time: `ms`, `s`, `min`, `h`, `d`, `wk` and the Julian and Gregorian `a_j`, `mo_j`,
`a_g`, `mo_g` are exact durations; `mo` and `a` are calendar months and years, as CQL's date arithmetic (and
FHIRHelpers' ToQuantity) reads them, so whole numbers only. The result keeps the precision of its anchor, by CQL's
date arithmetic: a day-precision anchor moved by 36 h is the next day. What cannot be worked out (an unknown unit or
relationship, an offset on a concurrent relationship, a negative or fractional-calendar offset, spans that do not
meet, a cycle) is a `TimingError` naming the reason; nothing is guessed in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping

from ..cql.datatypes.datetime import DAY, HOUR, MILLISECOND, MINUTE, MONTH, SECOND, YEAR, DateTime

#: relationship -> (the related action's end it is measured from: start, end, or None for the whole; direction).
RELATIONSHIPS: dict[str, tuple[str | None, int]] = {
    "before-start": ("start", -1), "before": ("start", -1), "before-end": ("end", -1),
    "concurrent-with-start": ("start", 0), "concurrent": (None, 0), "concurrent-with-end": ("end", 0),
    "after-start": ("start", 1), "after": ("end", 1), "after-end": ("end", 1),
}
#: UCUM units of time that are exact durations, in milliseconds.
EXACT_MS = {"ms": 1, "s": 1_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000, "wk": 604_800_000,
             "a_j": 31_557_600_000, "mo_j": 2_629_800_000, "a_g": 31_556_952_000, "mo_g": 2_629_746_000}
#: UCUM `mo` and `a` as calendar units (CQL's reading).
_CALENDAR = {"mo": MONTH, "a": YEAR}
_STEPS = ((DAY, 86_400_000), (HOUR, 3_600_000), (MINUTE, 60_000), (SECOND, 1_000), (MILLISECOND, 1))
#: RequestGroup.action.timing[x]: an action with one keeps it (R4 allows one timing[x]).
TIMINGS = ("timingDateTime", "timingAge", "timingPeriod", "timingDuration", "timingRange", "timingTiming")


class TimingError(ValueError):
    """A relatedAction whose timing cannot be worked out (the message says why)."""


@dataclass(frozen=True)
class Span:
    """When an action is performed: from `start` to `end` (equal for an instant; None where open)."""

    start: DateTime | None
    end: DateTime | None

    def fhir(self) -> dict[str, Any]:
        """As RequestGroup.action.timing[x]: an instant, or a Period."""
        if self.start is not None and self.end is not None and str(self.start) == str(self.end):
            return {"timingDateTime": str(self.start)}
        return {"timingPeriod": {k: str(v) for k, v in (("start", self.start), ("end", self.end)) if v is not None}}


def _instant(text: Any, what: str) -> DateTime:
    found = DateTime.parse(text, None) if isinstance(text, str) else None
    if found is None:
        raise TimingError(f"{what} '{text}' is not a FHIR dateTime")
    return found


def _period(period: Mapping[str, Any], what: str) -> Span:
    return Span(*(_instant(period[k], f"{what}.{k}") if period.get(k) is not None else None for k in ("start", "end")))


def own_span(action: Mapping[str, Any]) -> Span | None:
    """The span of an action's own time: its `timingDateTime`, `timingPeriod`, or a `timingTiming`'s dated events
    (first to last) or `boundsPeriod` (None when it has none of these)."""
    if "timingDateTime" in action:
        point = _instant(action["timingDateTime"], "timingDateTime")
        return Span(point, point)
    if isinstance(action.get("timingPeriod"), dict):
        return _period(action["timingPeriod"], "timingPeriod")
    timing = action.get("timingTiming")
    if not isinstance(timing, dict):
        return None
    events = [_instant(e, "timingTiming.event") for e in timing.get("event") or ()]
    if events:
        return Span(_earliest(events), _latest(events))
    bounds = (timing.get("repeat") or {}).get("boundsPeriod")
    return _period(bounds, "timingTiming.repeat.boundsPeriod") if isinstance(bounds, dict) else None


def _earliest(points: list[DateTime]) -> DateTime:
    found = points[0]
    for point in points[1:]:
        found = point if _after(found, point) else found
    return found


def _latest(points: list[DateTime]) -> DateTime:
    found = points[0]
    for point in points[1:]:
        found = point if _after(point, found) else found
    return found


def shift(anchor: DateTime, duration: Mapping[str, Any], direction: int) -> DateTime:
    """`anchor` moved by a FHIR Duration (or a Range end) forwards (1) or backwards (-1)."""
    if not isinstance(duration, Mapping):
        raise TimingError(f"offset {duration!r} is not a Duration")
    unit = duration.get("code") or duration.get("unit")
    try:
        value = Decimal(str(duration["value"]))
    except (KeyError, InvalidOperation):
        raise TimingError(f"offset {dict(duration)} has no number") from None
    if value < 0:
        raise TimingError(f"offset {value} {unit} is negative (the relationship says the direction)")
    if unit in _CALENDAR:
        if value != value.to_integral_value():
            raise TimingError(f"offset {value} {unit}: calendar months and years are whole")
        return anchor.add(direction * int(value), _CALENDAR[unit])
    if unit not in EXACT_MS:
        raise TimingError(f"offset unit '{unit}' is not a UCUM unit of time")
    ms = value * EXACT_MS[unit]
    if ms != ms.to_integral_value():
        raise TimingError(f"offset {value} {unit} is finer than a millisecond")
    whole = int(ms)
    unit_index, per = next((u, p) for u, p in _STEPS if whole % p == 0)
    return anchor.add(direction * (whole // per), unit_index)


def related_span(related: Mapping[str, Any], target: Span) -> Span | None:
    """The span one relatedAction gives, from the related action's span (None when that span lacks the anchor)."""
    if not isinstance(related, Mapping):
        raise TimingError(f"relatedAction {related!r} is not a relatedAction")
    relationship = related.get("relationship")
    if relationship not in RELATIONSHIPS:
        raise TimingError(f"relationship '{relationship}' is not an R4 action-relationship-type")
    side, direction = RELATIONSHIPS[relationship]
    duration, range_ = related.get("offsetDuration"), related.get("offsetRange")
    if range_ is not None and not isinstance(range_, Mapping):
        raise TimingError(f"offsetRange {range_!r} is not a Range")
    if direction == 0:
        if range_ is not None or (duration is not None and str(duration.get("value")) not in ("0", "0.0")):
            raise TimingError(f"an offset has no meaning for '{relationship}'")
        if side is None:
            return target if target.start is not None or target.end is not None else None
        point = target.start if side == "start" else target.end
        return Span(point, point) if point is not None else None
    anchor = target.start if side == "start" else target.end
    if anchor is None:
        return None
    if duration is not None:
        point = shift(anchor, duration, direction)
        return Span(point, point)
    if range_ is not None:
        near = shift(anchor, range_["low"], direction) if range_.get("low") else anchor
        far = shift(anchor, range_["high"], direction) if range_.get("high") else None
        early, late = (near, far) if direction > 0 else (far, near)
        if early is not None and late is not None and _after(early, late):
            raise TimingError("offsetRange low is above its high")
        return Span(early, late)
    return Span(anchor, None) if direction > 0 else Span(None, anchor)


def _after(a: DateTime, b: DateTime) -> bool:
    """a is later than b; an uncertain comparison (different precisions) is an error, never a guess."""
    order = a.compare_at(b)
    if order is None:
        raise TimingError(f"{a} and {b} cannot be ordered at their precisions")
    return order > 0


def intersect(spans: list[Span]) -> Span:
    """Where all the spans hold."""
    if len(spans) == 1:
        return spans[0]
    starts = [s.start for s in spans if s.start is not None]
    ends = [s.end for s in spans if s.end is not None]
    start = _latest(starts) if starts else None
    end = _earliest(ends) if ends else None
    if start is not None and end is not None and _after(start, end):
        raise TimingError(f"its relatedActions do not meet (from {start} to {end})")
    return Span(start, end)


def _walk(actions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for action in actions:
        yield action
        yield from _walk(action.get("action") or [])


@dataclass
class _Resolver:
    by_id: dict[str, dict[str, Any]]
    planned: frozenset[str]
    problems: list[tuple[str, str, str]]
    found: dict[int, Span | None]
    visiting: set[int]

    def span(self, action: dict[str, Any]) -> Span | None:
        key = id(action)
        if key in self.found:
            return self.found[key]
        name = action.get("id") or action.get("title") or "?"
        if key in self.visiting:
            raise TimingError(f"relatedAction '{name}' leads back to this action: the relatedActions form a cycle")
        self.visiting.add(key)
        try:
            self.found[key] = self._resolve(action, name)
        except TimingError as error:
            self.problems.append((name, str(error), "error"))
            self.found[key] = None
        finally:
            self.visiting.discard(key)
        return self.found[key]

    def _resolve(self, action: dict[str, Any], name: str) -> Span | None:
        own = own_span(action)
        if own is not None or not action.get("relatedAction"):
            return own
        spans = []
        for related in action["relatedAction"]:
            if not isinstance(related, dict):
                raise TimingError(f"relatedAction {related!r} is not a relatedAction")
            target_id = related.get("actionId")
            target = self.by_id.get(target_id)
            if target is None:
                self.problems.append(
                    (name, f"relatedAction '{target_id}' is not applied: no timing from it", "information")
                    if target_id in self.planned else
                    (name, f"relatedAction '{target_id}' is not an action of the plan", "error"))
                continue
            anchor = self.span(target)
            found = related_span(related, anchor) if anchor is not None else None
            if found is not None:
                spans.append(found)
        return intersect(spans) if spans else None


def related_timings(actions: list[dict[str, Any]], plan_actions: list[dict[str, Any]]) -> tuple[
        list[tuple[dict[str, Any], dict[str, Any]]], list[tuple[str, str, str]]]:
    """([(action, its timing[x])] for the RequestGroup actions timed by their relatedAction, [(action, why,
    severity)] for what could not be worked out); `plan_actions` are the plan's, applied or not."""
    by_id = {a["id"]: a for a in _walk(actions) if a.get("id")}
    planned = frozenset(a["id"] for a in _walk(plan_actions) if a.get("id"))
    resolver = _Resolver(by_id, planned, [], {}, set())
    timed = []
    for action in _walk(actions):
        if not action.get("relatedAction") or any(k in action for k in TIMINGS):
            continue
        span = resolver.span(action)
        if span is not None:
            timed.append((action, span.fhir()))
    return timed, resolver.problems
