"""CQL Date, DateTime and Time: components to a precision, an optional offset, comparison and calendar arithmetic."""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import Any

from ..runtime.errors import CqlRuntimeError

YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, MILLISECOND = range(7)
#: Week is not a component; it is a unit of arithmetic and of durations (7 days).
WEEK = 7
PRECISION_NAMES = ("year", "month", "day", "hour", "minute", "second", "millisecond", "week")
_BY_NAME = {name: i for i, name in enumerate(PRECISION_NAMES)}
_BY_NAME.update({name + "s": i for i, name in enumerate(PRECISION_NAMES)})
#: UCUM definite-duration units accepted wherever a calendar unit is (CQL maps them one to one).
_BY_NAME.update({"a": YEAR, "mo": MONTH, "wk": WEEK, "d": DAY, "h": HOUR, "min": MINUTE, "s": SECOND, "ms": MILLISECOND})
_MIN_PARTS = (1, 1, 1, 0, 0, 0, 0)
_MAX_TIME = (23, 59, 59, 999)
_MS_PER = {DAY: 86_400_000, HOUR: 3_600_000, MINUTE: 60_000, SECOND: 1_000, MILLISECOND: 1, WEEK: 604_800_000}
_MS_PER_HOUR = Decimal(3_600_000)
_ORDINAL_EPOCH = 719_163  # date(1970, 1, 1).toordinal()


def precision_index(name: str | None) -> int | None:
    """The precision index of an ELM precision or unit name (Year, months, 'wk'…), None for None; error if unknown."""
    if name is None:
        return None
    index = _BY_NAME.get(name) if name in _BY_NAME else _BY_NAME.get(name.lower())
    if index is None:
        raise CqlRuntimeError(f"unknown date/time precision {name!r}")
    return index


def days_in_month(year: int, month: int) -> int:
    """The number of days of a month of the proleptic Gregorian calendar."""
    if month == 2:
        return 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _pad(value: int, width: int) -> str:
    text = str(value)
    return text if len(text) >= width else "0" * (width - len(text)) + text


def format_offset(offset: Decimal) -> str:
    """An offset in hours as ±HH:MM."""
    sign = "-" if offset < 0 else "+"
    minutes = int((abs(offset) * 60).to_integral_value())
    return f"{sign}{_pad(minutes // 60, 2)}:{_pad(minutes % 60, 2)}"


def _check_fields(parts: tuple[int, ...], start: int) -> None:
    """Raise CqlRuntimeError when a component is out of its calendar range."""
    for i, value in enumerate(parts):
        field = start + i
        if field == YEAR:
            ok = 1 <= value <= 9999
        elif field == MONTH:
            ok = 1 <= value <= 12
        elif field == DAY:
            ok = 1 <= value <= days_in_month(parts[0], parts[1])
        elif field == HOUR:
            ok = 0 <= value <= 23
        elif field in (MINUTE, SECOND):
            ok = 0 <= value <= 59
        else:
            ok = 0 <= value <= 999
        if not ok:
            raise CqlRuntimeError(f"invalid {PRECISION_NAMES[field]} {value}")


def _full(parts: tuple[int, ...], start: int, high: bool, upto: int = MILLISECOND) -> list[int]:
    """All seven components, the missing ones down to `upto` at their least (or greatest) value, the rest least."""
    full = list(_MIN_PARTS)
    full[start : start + len(parts)] = parts
    if high:
        for field in range(start + len(parts), upto + 1):
            if field == MONTH:
                full[MONTH] = 12
            elif field == DAY:
                full[DAY] = days_in_month(full[YEAR], full[MONTH])
            elif field >= HOUR:
                full[field] = _MAX_TIME[field - HOUR]
    return full


def _ms_of_day(full: list[int]) -> int:
    return ((full[HOUR] * 60 + full[MINUTE]) * 60 + full[SECOND]) * 1000 + full[MILLISECOND]


def _instant(full: list[int], offset: Decimal | None) -> int:
    """Milliseconds since 1970-01-01T00:00Z of full components at an offset (None: taken as UTC)."""
    days = _dt.date(full[YEAR], full[MONTH], full[DAY]).toordinal() - _ORDINAL_EPOCH
    ms = days * 86_400_000 + _ms_of_day(full)
    if offset:
        ms -= int(offset * _MS_PER_HOUR)
    return ms


def _from_instant(ms: int, offset: Decimal | None) -> list[int]:
    """Full components of an instant seen at an offset."""
    if offset:
        ms += int(offset * _MS_PER_HOUR)
    days, rest = divmod(ms, 86_400_000)
    if not 1 <= days + _ORDINAL_EPOCH <= 3_652_059:
        raise CqlRuntimeError("date/time out of range 0001-9999")
    date = _dt.date.fromordinal(days + _ORDINAL_EPOCH)
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return [date.year, date.month, date.day, hour, minute, second, millis]


def _add_days(ymd: tuple[int, ...], days: int) -> tuple[int, int, int]:
    """A calendar date moved by whole days (CqlRuntimeError outside 0001-9999)."""
    ordinal = _dt.date(*ymd).toordinal() + days
    if not 1 <= ordinal <= 3_652_059:
        raise CqlRuntimeError("date/time out of range 0001-9999")
    moved = _dt.date.fromordinal(ordinal)
    return moved.year, moved.month, moved.day


def _add_months(full: list[int], months: int) -> list[int]:
    """Calendar months added, the day clamped to the end of the resulting month."""
    total = full[YEAR] * 12 + (full[MONTH] - 1) + months
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise CqlRuntimeError("date/time out of range 0001-9999")
    result = list(full)
    result[YEAR], result[MONTH] = year, month0 + 1
    result[DAY] = min(full[DAY], days_in_month(year, month0 + 1))
    return result


def _whole_units(value: Any, unit: int, precision: int) -> tuple[int, int]:
    """A quantity of `unit` expressed as (count, unit) at `precision` when the unit is finer, truncated."""
    count = int(value) if not isinstance(value, Decimal) else int(value.to_integral_value(rounding=ROUND_DOWN))
    if unit == WEEK and precision >= DAY:
        return count * 7, DAY
    unit_rank = DAY if unit == WEEK else unit
    if unit_rank <= precision:
        return count, unit
    if precision == YEAR and unit == MONTH:
        return int(count / 12), YEAR
    if precision <= MONTH:
        per = 365 if precision == YEAR else 30
        days = Decimal(value) * _MS_PER[unit] / _MS_PER[DAY]
        return int(days / per), precision
    return int(Decimal(value) * _MS_PER[unit] / _MS_PER[precision]), precision


class _Temporal:
    """Shared behaviour of Date, DateTime and Time: `parts` are the components from `START`, as many as known."""

    __slots__ = ("parts",)
    START = YEAR
    LAST = DAY
    parts: tuple[int, ...]

    @property
    def precision(self) -> int:
        """The index of the finest known component (YEAR … MILLISECOND)."""
        return self.START + len(self.parts) - 1

    def component(self, field: int) -> int | None:
        """One component, None when beyond the precision (or not part of the type)."""
        i = field - self.START
        return self.parts[i] if 0 <= i < len(self.parts) else None

    def _offset(self) -> Decimal | None:
        return None

    def _order_key(self, other: Any) -> tuple[int, ...] | None:
        """Components that order this value against `other` (same type) as tuples do; None when they cannot."""
        return self.parts

    def _comparable(self, other: Any) -> Any:
        return other if type(other) is type(self) else None

    def _aligned(self, other: _Temporal, precision: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Both component tuples, at one offset when the comparison is at hour precision or finer."""
        return self.parts, other.parts

    def compare_at(self, other: Any, precision: int | None = None) -> int | None:
        """-1/0/1 comparing component by component down to `precision` (default: all); None when unknown."""
        if precision is None and type(other) is type(self):
            a, b = self._order_key(other), other._order_key(self)
            if a is not None and b is not None and len(a) == len(b):
                return (a > b) - (a < b)
        other = self._comparable(other)
        if other is None:
            return None
        a, b = self._aligned(other, precision)
        start = self.START
        if precision is None:
            depth = max(len(a), len(b))
        else:
            if precision == WEEK or precision < start:
                raise CqlRuntimeError(f"invalid precision {PRECISION_NAMES[precision]} for {type(self).__name__}")
            depth = precision - start + 1
        for i in range(depth):
            if i >= len(a) or i >= len(b):
                return None
            x, y = a[i], b[i]
            if x != y:
                return -1 if x < y else 1
        return 0

    def cql_compare(self, other: Any) -> int | None:
        """Ordering for <, <=, >, >=: None when the precisions leave it unknown."""
        return self.compare_at(other)

    def cql_equal(self, other: Any) -> bool | None:
        """CQL `=`: None when one value stops before the other and the shared components are equal."""
        if self._comparable(other) is None:
            return False
        cmp = self.compare_at(other)
        return None if cmp is None else cmp == 0

    def cql_equivalent(self, other: Any) -> bool:
        """CQL `~`: equal at the same precision; differing precision is not equivalent."""
        if self._comparable(other) is None:
            return False
        return self.compare_at(other) == 0

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.parts == other.parts and self._offset() == other._offset()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.parts, self._offset()))

    def __lt__(self, other: Any) -> bool:
        cmp = self.compare_at(other)
        return cmp is not None and cmp < 0

    def __repr__(self) -> str:
        return f"@{self.literal()}"

    def __str__(self) -> str:
        return self.literal()

    def literal(self) -> str:
        """The ISO text of the value (the CQL literal without its '@')."""
        raise NotImplementedError


class Date(_Temporal):
    """A CQL Date: year, month and day, each known down to its precision."""

    __slots__ = ()
    START = YEAR
    LAST = DAY

    def __init__(self, *parts: int) -> None:
        self.parts = parts

    @classmethod
    def checked(cls, *parts: int) -> Date:
        """A Date whose components are validated (CqlRuntimeError when out of range)."""
        _check_fields(parts, YEAR)
        return cls(*parts)

    @classmethod
    def parse(cls, text: str) -> Date | None:
        """A Date from 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (FHIR date), None when malformed."""
        n = len(text)
        try:
            if n == 10 and text[4] == "-" and text[7] == "-":
                parts: tuple[int, ...] = (int(text[0:4]), int(text[5:7]), int(text[8:10]))
            elif n == 7 and text[4] == "-":
                parts = (int(text[0:4]), int(text[5:7]))
            elif n == 4:
                parts = (int(text),)
            else:
                return None
            _check_fields(parts, YEAR)
        except (ValueError, CqlRuntimeError):
            return None
        return cls(*parts)

    def literal(self) -> str:
        p = self.parts
        text = _pad(p[0], 4)
        if len(p) > 1:
            text += "-" + _pad(p[1], 2)
        if len(p) > 2:
            text += "-" + _pad(p[2], 2)
        return text

    def to_datetime(self, offset: Decimal | None = None) -> DateTime:
        """The DateTime with the same components (ToDateTime), at the given offset."""
        return DateTime(self.parts, offset)

    def full(self, high: bool = False, upto: int = DAY) -> list[int]:
        """Seven components, the unknown ones at their least (or, with high, greatest) value down to `upto`."""
        return _full(self.parts, YEAR, high, upto)

    def with_full(self, full: list[int], precision: int | None = None) -> Date:
        """A Date from full components, cut to `precision` (default: this one's)."""
        keep = (self.precision if precision is None else min(precision, DAY)) + 1
        return Date(*full[:keep])

    def add(self, value: Any, unit: int) -> Date:
        """Calendar arithmetic: the quantity converted to this precision (truncated) and added."""
        parts = self.parts
        if len(parts) == 3 and (unit == DAY or unit == WEEK):
            return Date(*_add_days(parts, int(value) * (7 if unit == WEEK else 1)))
        count, unit = _whole_units(value, unit, self.precision)
        return self.with_full(_shift(self.full(), count, unit))


class DateTime(_Temporal):
    """A CQL DateTime: year … millisecond down to its precision, with a timezone offset in hours (or None)."""

    __slots__ = ("offset", "_utc")
    START = YEAR
    LAST = MILLISECOND

    def __init__(self, parts: tuple[int, ...], offset: Decimal | None = None) -> None:
        self.parts = parts
        self.offset = offset
        self._utc: tuple[int, ...] | None = None

    @classmethod
    def checked(cls, parts: tuple[int, ...], offset: Decimal | None = None) -> DateTime:
        """A DateTime whose components and offset are validated (CqlRuntimeError when out of range)."""
        _check_fields(parts, YEAR)
        if offset is not None and not -14 <= offset <= 14:
            raise CqlRuntimeError(f"invalid timezone offset {offset}")
        return cls(parts, offset)

    @classmethod
    def parse(cls, text: str, default_offset: Decimal | None = None) -> DateTime | None:
        """A DateTime from ISO 8601 / FHIR dateTime text ('2012', … '2012-01-31T12:30:59.123+05:30', 'Z'), else None.

        Parsed values are cached by text (the last 8192): the same instants recur across a patient's resources."""
        return parse_datetime(text, default_offset)

    def _offset(self) -> Decimal | None:
        return self.offset

    @property
    def timezone_offset(self) -> Decimal | None:
        """The offset in hours (None when the source gave none)."""
        return self.offset

    def _order_key(self, other: Any) -> tuple[int, ...] | None:
        """The components themselves where the comparison reads them at face value (one offset, or an offset
        missing, or day precision or coarser); with two offsets, the components in UTC, computed once per value,
        for minute precision or finer on whole-minute offsets (where moving to UTC keeps the order); else None."""
        offset, theirs = self.offset, other.offset
        parts = self.parts
        if offset is theirs or offset is None or theirs is None or offset == theirs or len(parts) <= HOUR or len(other.parts) <= HOUR:
            return parts
        if len(parts) <= MINUTE or (offset * 60) % 1:
            return None
        utc = self._utc
        if utc is None:
            try:
                utc = self._utc = tuple(_from_instant(_instant(self.full(), offset), None)[: len(parts)])
            except CqlRuntimeError:  # beyond 0001-9999 in UTC: compared the long way
                return None
        return utc

    def _comparable(self, other: Any) -> Any:
        if type(other) is DateTime:
            return other
        if type(other) is Date:
            return other.to_datetime(self.offset)
        return None

    def _aligned(self, other: _Temporal, precision: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Both component tuples in one offset when the comparison reaches hours (the finer value moved to the
        coarser one's offset: a day at -05:00 is read against a moment as seen at -05:00); as written otherwise."""
        o_offset = other.offset  # type: ignore[attr-defined]
        if (
            self.offset == o_offset
            or self.offset is None
            or o_offset is None
            or (precision is not None and precision <= DAY)
            or (len(self.parts) <= HOUR and len(other.parts) <= HOUR)
        ):
            return self.parts, other.parts
        if len(other.parts) <= HOUR:
            return self.at_offset(o_offset).parts, other.parts
        return self.parts, other.at_offset(self.offset).parts  # type: ignore[attr-defined]

    def at_offset(self, offset: Decimal | None) -> DateTime:
        """The same instant seen at another offset (precision kept; needs at least hour precision to move)."""
        if offset == self.offset or offset is None or self.offset is None or len(self.parts) <= HOUR:
            return DateTime(self.parts, offset if len(self.parts) <= HOUR else self.offset)
        full = _from_instant(_instant(self.full(), self.offset), offset)
        return DateTime(tuple(full[: len(self.parts)]), offset)

    def literal(self) -> str:
        p = self.parts
        text = Date(*p[:3]).literal()
        if len(p) > 3:
            text += "T" + Time(*p[3:]).literal()
            if self.offset is not None:
                text += format_offset(self.offset)
        return text

    def __repr__(self) -> str:
        return f"@{self.literal()}" + ("T" if len(self.parts) <= 3 else "")

    def date(self) -> Date:
        """The date part (DateFrom), in the DateTime's own offset."""
        return Date(*self.parts[:3])

    def time(self) -> Time | None:
        """The time part (TimeFrom), None when the precision stops at day or above."""
        return Time(*self.parts[3:]) if len(self.parts) > 3 else None

    def full(self, high: bool = False, upto: int = MILLISECOND) -> list[int]:
        """Seven components, the unknown ones at their least (or, with high, greatest) value down to `upto`."""
        return _full(self.parts, YEAR, high, upto)

    def with_full(self, full: list[int], precision: int | None = None) -> DateTime:
        """A DateTime from full components at this offset, cut to `precision` (default: this one's)."""
        keep = (self.precision if precision is None else precision) + 1
        return DateTime(tuple(full[:keep]), self.offset)

    def add(self, value: Any, unit: int) -> DateTime:
        """Calendar arithmetic: the quantity converted to this precision (truncated) and added."""
        parts = self.parts
        if len(parts) >= 3 and (unit == DAY or unit == WEEK):
            return DateTime(_add_days(parts[:3], int(value) * (7 if unit == WEEK else 1)) + parts[3:], self.offset)
        count, unit = _whole_units(value, unit, self.precision)
        return self.with_full(_shift(self.full(), count, unit))


#: The commonest FHIR dateTime shape: a date and a time to the second, a fraction, an offset (or Z) or none.
_SECOND_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:[0-5]\d)?")
_OFFSETS: dict[str, Decimal] = {}


def _offset_hours(text: str) -> Decimal:
    """'Z' or '±hh:mm' (minutes already checked) as hours, each text converted once."""
    found = _OFFSETS.get(text)
    if found is None:
        if text == "Z":
            found = Decimal(0)
        else:
            hours, minutes = int(text[1:3]), int(text[4:6])
            value = Decimal(hours) + Decimal(minutes) / 60 if minutes else Decimal(hours)
            found = -value if text[0] == "-" else value
        found = _OFFSETS.setdefault(text, found)
    return found


def _seconds_with_offset(text: str) -> tuple[int, ...] | None:
    """The components of 'YYYY-MM-DDThh:mm:ss' followed by '±hh:mm', 'Z' or nothing, read by the standard
    library's ISO reader (which checks the calendar); None for any other text, or one it refuses."""
    n = len(text)
    if not (n == 19 or (n == 20 and text[19] == "Z") or (n == 25 and text[19] in "+-" and text[22] == ":" and text[23] <= "5")):
        return None
    if text[4] != "-" or text[7] != "-" or text[10] != "T" or text[13] != ":" or text[16] != ":":
        return None
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second


@lru_cache(maxsize=8192)
def parse_datetime(text: str, default_offset: Decimal | None) -> DateTime | None:
    """DateTime.parse, without the class attribute lookup (FHIR dateTimes are read through it)."""
    parts = _seconds_with_offset(text) if text.isascii() else None
    if parts is not None:
        return DateTime(parts, default_offset if len(text) == 19 else _offset_hours(text[19:]))
    match = _SECOND_TEXT.fullmatch(text)
    if match is not None:
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        parts = (int(year), int(month), int(day), int(hour), int(minute), int(second))
        if fraction is not None:
            parts += (int((fraction + "00")[:3]),)
        if not (1 <= parts[1] <= 12 and 1 <= parts[2] <= days_in_month(parts[0], parts[1]) and parts[0] >= 1
                and parts[3] <= 23 and parts[4] <= 59 and parts[5] <= 59):
            return None
        return DateTime(parts, default_offset if zone is None else _offset_hours(zone))
    offset = default_offset
    if len(text) > 10 and text[10] == "T":
        tail = text[11:]
        if tail.endswith("Z"):
            offset, tail = Decimal(0), tail[:-1]
        elif len(tail) >= 6 and tail[-6] in "+-" and tail[-3] == ":":
            try:
                hours, minutes = int(tail[-5:-3]), int(tail[-2:])
            except ValueError:
                return None
            if minutes > 59:
                return None
            value = Decimal(hours) + Decimal(minutes) / 60 if minutes else Decimal(hours)
            offset, tail = (-value if tail[-6] == "-" else value), tail[:-6]
        date = Date.parse(text[:10])
        if date is None:
            return None
        time = Time.parse(tail) if tail else None
        if tail and time is None:
            return None
        return DateTime(date.parts + (time.parts if time else ()), offset)
    date = Date.parse(text)
    return None if date is None else DateTime(date.parts, offset)


class Time(_Temporal):
    """A CQL Time: hour … millisecond down to its precision, no offset."""

    __slots__ = ()
    START = HOUR
    LAST = MILLISECOND

    def __init__(self, *parts: int) -> None:
        self.parts = parts

    @classmethod
    def checked(cls, *parts: int) -> Time:
        """A Time whose components are validated (CqlRuntimeError when out of range)."""
        _check_fields(parts, HOUR)
        return cls(*parts)

    @classmethod
    def parse(cls, text: str) -> Time | None:
        """A Time from 'hh', 'hh:mm', 'hh:mm:ss' or 'hh:mm:ss.fff' (any number of fraction digits), else None."""
        n = len(text)
        try:
            if n == 2:
                parts: tuple[int, ...] = (int(text),)
            elif n == 5 and text[2] == ":":
                parts = (int(text[0:2]), int(text[3:5]))
            elif n >= 8 and text[2] == ":" and text[5] == ":":
                parts = (int(text[0:2]), int(text[3:5]), int(text[6:8]))
                if n > 8:
                    fraction = text[9:]
                    if text[8] != "." or not fraction or not fraction.isdigit():
                        return None
                    parts += (int((fraction + "00")[:3]),)
            else:
                return None
            _check_fields(parts, HOUR)
        except (ValueError, CqlRuntimeError):
            return None
        return cls(*parts)

    def literal(self) -> str:
        p = self.parts
        text = _pad(p[0], 2)
        if len(p) > 1:
            text += ":" + _pad(p[1], 2)
        if len(p) > 2:
            text += ":" + _pad(p[2], 2)
        if len(p) > 3:
            text += "." + _pad(p[3], 3)
        return text

    def __repr__(self) -> str:
        return f"@T{self.literal()}"

    def full(self, high: bool = False, upto: int = MILLISECOND) -> list[int]:
        """Seven components on 0001-01-01, the unknown ones least (or greatest) down to `upto`."""
        return _full(self.parts, HOUR, high, upto)

    def with_full(self, full: list[int], precision: int | None = None) -> Time:
        """A Time from full components, cut to `precision` (default: this one's)."""
        keep = (self.precision if precision is None else precision) + 1
        return Time(*full[HOUR:keep])

    def add(self, value: Any, unit: int) -> Time:
        """Clock arithmetic in hours and finer units (whole days vanish); CqlRuntimeError for calendar units."""
        if unit < HOUR or unit == WEEK:
            raise CqlRuntimeError(f"cannot add {PRECISION_NAMES[unit]}s to a Time")
        count, unit = _whole_units(value, unit, self.precision)
        ms = (_ms_of_day(self.full()) + count * _MS_PER[unit]) % 86_400_000
        return self.with_full(_from_instant(ms, None))


def _shift(full: list[int], count: int, unit: int) -> list[int]:
    """Full components moved by whole units: calendar months/years clamp the day, the rest move the instant."""
    if unit == YEAR:
        return _add_months(full, count * 12)
    if unit == MONTH:
        return _add_months(full, count)
    ms = _instant(full, None) + count * _MS_PER[unit]
    return _from_instant(ms, None)


def successor(value: _Temporal) -> _Temporal:
    """The next value at the value's own precision; CqlRuntimeError past the maximum."""
    return _step(value, 1)


def predecessor(value: _Temporal) -> _Temporal:
    """The previous value at the value's own precision; CqlRuntimeError before the minimum."""
    return _step(value, -1)


def _step(value: _Temporal, by: int) -> _Temporal:
    if isinstance(value, Time):
        ms = _ms_of_day(value.full()) + by * _MS_PER[value.precision]
        if not 0 <= ms < 86_400_000:
            raise CqlRuntimeError("Time out of range")
        return value.with_full(_from_instant(ms, None))
    return value.add(by, value.precision)  # type: ignore[attr-defined]


MIN_DATE = Date(1, 1, 1)
MAX_DATE = Date(9999, 12, 31)
MIN_TIME = Time(0, 0, 0, 0)
MAX_TIME = Time(23, 59, 59, 999)


def min_datetime(offset: Decimal | None) -> DateTime:
    """The least DateTime (0001-01-01T00:00:00.000) at an offset."""
    return DateTime((1, 1, 1, 0, 0, 0, 0), offset)


def max_datetime(offset: Decimal | None) -> DateTime:
    """The greatest DateTime (9999-12-31T23:59:59.999) at an offset."""
    return DateTime((9999, 12, 31, 23, 59, 59, 999), offset)


def low_boundary(value: _Temporal, precision: int) -> _Temporal:
    """The least value the imprecise value could be, stated to `precision` (LowBoundary)."""
    return value.with_full(value.full(False), min(precision, value.LAST))  # type: ignore[attr-defined]


def high_boundary(value: _Temporal, precision: int) -> _Temporal:
    """The greatest value the imprecise value could be, stated to `precision` (HighBoundary)."""
    return value.with_full(value.full(True), min(precision, value.LAST))  # type: ignore[attr-defined]


def _months_between(a: list[int], b: list[int]) -> int:
    months = (b[YEAR] - a[YEAR]) * 12 + (b[MONTH] - a[MONTH])
    rest_a, rest_b = a[DAY:], b[DAY:]
    if months > 0 and rest_b < rest_a:
        months -= 1
    elif months < 0 and rest_b > rest_a:
        months += 1
    return months


def _trunc_div(n: int, d: int) -> int:
    q = abs(n) // d
    return q if n >= 0 else -q


def whole_between(a: list[int], b: list[int], unit: int, offsets: tuple[Decimal | None, Decimal | None] = (None, None)) -> int:
    """Whole units from a to b (full components), negative when b is earlier; months follow the reference engine."""
    if unit in (YEAR, MONTH):
        if offsets[0] != offsets[1] and None not in offsets:
            b = _from_instant(_instant(b, offsets[1]), offsets[0])
        months = _months_between(a, b)
        return _trunc_div(months, 12) if unit == YEAR else months
    ms = _instant(b, offsets[1]) - _instant(a, offsets[0])
    return _trunc_div(ms, _MS_PER[unit])


def duration_between(a: _Temporal, b: _Temporal, unit: int) -> int | tuple[int, int]:
    """Whole `unit`s from a to b; (low, high) when imprecision leaves a range (DurationBetween)."""
    a_parts, b_parts = a, b
    if unit != MILLISECOND:
        a_parts, b_parts = _seconds_as_milliseconds(a), _seconds_as_milliseconds(b)
    offsets = (a._offset(), b._offset())
    upto = DAY if isinstance(a, Date) else MILLISECOND
    a_low, a_high = a_parts.full(False, upto), a_parts.full(True, upto)  # type: ignore[attr-defined]
    b_low, b_high = b_parts.full(False, upto), b_parts.full(True, upto)  # type: ignore[attr-defined]
    low = whole_between(a_high, b_low, unit, offsets)
    high = whole_between(a_low, b_high, unit, offsets)
    return low if low == high else (low, high)


def _seconds_as_milliseconds(value: _Temporal) -> _Temporal:
    """Seconds without milliseconds count as milliseconds 0 (CQL treats them as one decimal precision)."""
    if value.precision == SECOND:
        return value.with_full(value.full(), MILLISECOND)  # type: ignore[attr-defined]
    return value


def _truncate(full: list[int], unit: int) -> list[int]:
    if unit == WEEK:
        date = _dt.date(full[YEAR], full[MONTH], full[DAY])
        date -= _dt.timedelta(days=(date.weekday() + 1) % 7)
        return [date.year, date.month, date.day, 0, 0, 0, 0]
    return full[: unit + 1] + list(_MIN_PARTS[unit + 1 :])


def difference_between(a: _Temporal, b: _Temporal, unit: int) -> int | tuple[int, int]:
    """Boundaries of `unit` crossed from a to b (DifferenceBetween); (low, high) when imprecision leaves a range."""
    offsets: tuple[Decimal | None, Decimal | None] = (None, None)
    if isinstance(a, DateTime) and isinstance(b, DateTime) and unit >= HOUR and unit != WEEK:
        if a.offset is not None and b.offset is not None and a.offset != b.offset:
            b = b.at_offset(a.offset)
    upto = DAY if isinstance(a, Date) else MILLISECOND
    ends = [
        _truncate(value.full(high, upto), unit)  # type: ignore[attr-defined]
        for value, high in ((a, False), (a, True), (b, False), (b, True))
    ]
    low = whole_between(ends[1], ends[2], unit, offsets)
    high = whole_between(ends[0], ends[3], unit, offsets)
    return low if low == high else (low, high)
