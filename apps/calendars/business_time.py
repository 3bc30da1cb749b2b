"""Business time on a calendar: pure maths, no Django.

A calendar has a time zone and, per weekday, windows of local wall time in minutes of the day,
``(start, end)`` with ``end`` up to 1440 (``24:00``). A window whose end is before its start
(``23:00``–``07:00``) crosses midnight and belongs to the day it starts: whether it runs depends
on that day alone, so a holiday Friday drops its ``23:00``–``07:00`` night, and a Thursday night
runs into a holiday Friday morning.

Which days open:

- a closed date never opens (it wins over everything else);
- an open date opens with its weekday's windows, or, when its weekday has none (a Saturday),
  with the windows of the first weekday from Monday that has some, or all day when none has;
- a holiday does not open;
- any other day opens with its weekday's windows.

Time is counted in real elapsed time, to the microsecond internally and in whole seconds in
answers: a day open around the clock holds 23 hours on the spring change and 25 on the autumn
one. A local time the clock skips (``02:30`` on the spring change in New York) is read as the
instant of the change; a local time that happens twice is read as its first occurrence. Windows
are half-open: a calendar is open at its opening instant and closed at its closing one, and a
budget that runs out exactly at a closing time is due at that closing instant.

Every instant taken or returned is an aware datetime; answers are in UTC. Days are stepped over
whole (each day's open intervals are worked out once per calendar and kept), never minute by
minute, and a search that finds no open time within ``SEARCH_LIMIT_DAYS`` raises
``NoOpenTimeError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
# Two years and a day: a calendar that stays shut that long is a mistake, not a schedule.
SEARCH_LIMIT_DAYS = 2 * 366 + 1

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_ONE_DAY = timedelta(days=1)
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

Window = tuple[int, int]
DayWindows = tuple[Window, ...]


class NoOpenTimeError(ValueError):
    """The calendar has no open time within the search limit."""


class HoursError(ValueError):
    """Weekly hours that are not well formed; the message names the day and the window."""


def parse_time_of_day(text: str) -> int:
    """``"HH:MM"`` as minutes of the day, ``"24:00"`` as 1440."""
    match = _TIME_OF_DAY.match(text) if isinstance(text, str) else None
    if match is None:
        raise HoursError(f"{text!r} is not a time of day written HH:MM.")
    minutes = int(match[1]) * 60 + int(match[2])
    if minutes > MINUTES_PER_DAY:
        raise HoursError(f"{text!r} is not a time of day (24:00 is the latest).")
    return minutes


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _window(day: str, raw: object) -> Window:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise HoursError(f"{day}: each window is a pair [start, end], not {raw!r}.")
    bounds = []
    for value in raw:
        if isinstance(value, bool):
            raise HoursError(f"{day}: {value!r} is not a time of day.")
        if isinstance(value, int):
            if not 0 <= value <= MINUTES_PER_DAY:
                raise HoursError(f"{day}: {value} is not a minute of the day (0 to 1440).")
            bounds.append(value)
        else:
            bounds.append(parse_time_of_day(value))
    start, end = bounds
    label = f"{format_minutes(start)}–{format_minutes(end)}"
    if start == MINUTES_PER_DAY:
        raise HoursError(f"{day}: window {label} starts at 24:00; start it at 00:00 instead.")
    if start == end:
        raise HoursError(f"{day}: window {label} starts and ends at the same minute.")
    if end == 0:
        end = MINUTES_PER_DAY  # "22:00"–"00:00" ends at midnight, as "24:00" does
    return start, end


def parse_hours(hours: Mapping[str, Sequence] | Sequence[Sequence]) -> tuple[DayWindows, ...]:
    """Weekly hours (``{"mon": [["09:00", "17:00"]], ...}`` or seven lists, Monday first) as
    seven sorted tuples of minute windows.

    Raises ``HoursError`` for an unknown day, a malformed window, a window that starts and ends
    at the same minute, or two windows that overlap (a night window that runs into the next
    day's first window included).
    """
    if isinstance(hours, Mapping):
        unknown = sorted(set(hours) - set(DAY_KEYS))
        if unknown:
            raise HoursError(f"Unknown day {unknown[0]!r}: days are {', '.join(DAY_KEYS)}.")
        per_day = [hours.get(day) or () for day in DAY_KEYS]
    else:
        per_day = list(hours)
        if len(per_day) != 7:
            raise HoursError("Weekly hours have seven days, Monday first.")
    weekly = []
    for day, windows in zip(DAY_KEYS, per_day, strict=True):
        if not isinstance(windows, list | tuple):
            raise HoursError(f"{day}: a list of windows, not {windows!r}.")
        weekly.append(tuple(sorted(_window(day, raw) for raw in windows)))
    _check_overlaps(weekly)
    return tuple(weekly)


def _check_overlaps(weekly: Sequence[DayWindows]) -> None:
    spans = []
    for index, windows in enumerate(weekly):
        for start, end in windows:
            length = end - start if end > start else end + MINUTES_PER_DAY - start
            spans.append((index * MINUTES_PER_DAY + start, length, index, start, end))
    spans.sort()
    for position, (begin, length, index, start, end) in enumerate(spans):
        # The last span is compared with the first one a week later: a Sunday night window runs
        # into Monday.
        following = spans[(position + 1) % len(spans)]
        following_begin = following[0] + (MINUTES_PER_WEEK if position + 1 == len(spans) else 0)
        if len(spans) > 1 and begin + length > following_begin:
            _, _, other_index, other_start, other_end = following
            raise HoursError(
                f"{DAY_KEYS[index]}: window {format_minutes(start)}–{format_minutes(end)} "
                f"overlaps {DAY_KEYS[other_index]} "
                f"{format_minutes(other_start)}–{format_minutes(other_end)}."
            )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{name!r} is not an IANA time zone.") from None


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly windows in a time zone, with holidays, closed dates and extra open dates.

    ``weekly`` takes seven lists of windows (Monday first) or a ``{"mon": [...]}`` mapping,
    windows as ``("09:00", "17:00")`` or minute pairs; it is kept as seven sorted tuples of
    minute pairs. Holidays are dates resolved by the caller (from the ``holidays`` package).
    """

    timezone: str = "UTC"
    weekly: tuple[DayWindows, ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()
    # Per calendar: the zone, the windows an open date borrows, and each day's open intervals
    # as UTC microseconds, keyed by the day's ordinal (worked out once, then read).
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _open_date_windows: DayWindows = field(init=False, repr=False, compare=False, hash=False)
    _always_open: bool = field(init=False, repr=False, compare=False, hash=False)
    _crosses_midnight: bool = field(init=False, repr=False, compare=False, hash=False)
    _days: dict = field(init=False, repr=False, compare=False, hash=False, default_factory=dict)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "weekly", parse_hours(self.weekly))
        for name in ("holidays", "closed_dates", "open_dates"):
            set_(self, name, frozenset(getattr(self, name)))
        set_(self, "_zone", _zone(self.timezone))
        borrowed = next((windows for windows in self.weekly if windows), ((0, MINUTES_PER_DAY),))
        set_(self, "_open_date_windows", borrowed)
        set_(
            self,
            "_always_open",
            all(windows == ((0, MINUTES_PER_DAY),) for windows in self.weekly)
            and not self.closed_dates
            and not self.holidays,
        )
        set_(
            self,
            "_crosses_midnight",
            any(end < start for windows in self.weekly for start, end in windows),
        )

    @classmethod
    def from_hours(
        cls,
        hours: Mapping[str, Sequence],
        *,
        timezone: str = "UTC",
        holidays: Iterable[date] = (),
        closed_dates: Iterable[date] = (),
        open_dates: Iterable[date] = (),
    ) -> BusinessCalendar:
        return cls(
            timezone=timezone,
            weekly=hours,
            holidays=frozenset(holidays),
            closed_dates=frozenset(closed_dates),
            open_dates=frozenset(open_dates),
        )

    def windows_on(self, day: date) -> DayWindows:
        """The windows that start on this local date (empty when it does not open)."""
        if day in self.closed_dates:
            return ()
        windows = self.weekly[day.weekday()]
        if day in self.open_dates:
            return windows or self._open_date_windows
        if day in self.holidays:
            return ()
        return windows

    def _intervals_on(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """Open intervals of the windows starting on that local day, as UTC microseconds."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        day = date.fromordinal(ordinal)
        windows = self.windows_on(day)
        intervals = []
        if windows:
            midnight = datetime(day.year, day.month, day.day)
            for start, end in windows:
                opens = _local_to_utc_us(self._zone, midnight + timedelta(minutes=start))
                if end < start:
                    end += MINUTES_PER_DAY
                closes = _local_to_utc_us(self._zone, midnight + timedelta(minutes=end))
                if closes > opens:
                    intervals.append((opens, closes))
        result = tuple(intervals)
        self._days[ordinal] = result
        return result

    def _local_ordinal(self, instant_us: int) -> int:
        moment = _EPOCH + timedelta(microseconds=instant_us)
        return moment.astimezone(self._zone).toordinal()

    def _intervals_from(self, start_us: int) -> Iterator[tuple[int, int]]:
        """Open intervals ending after ``start_us``, in order, clipped to begin no earlier.

        Raises ``NoOpenTimeError`` after ``SEARCH_LIMIT_DAYS`` days without open time.
        """
        ordinal = self._local_ordinal(start_us)
        if self._crosses_midnight:
            ordinal -= 1  # yesterday's night window may still be running
        last_end = start_us
        closed_days = 0
        while True:
            intervals = self._intervals_on(ordinal)
            ordinal += 1
            found = False
            for opens, closes in intervals:
                if closes <= last_end:
                    continue
                found = True
                if opens < last_end:
                    opens = last_end
                yield opens, closes
                last_end = closes
            if found:
                closed_days = 0
            else:
                closed_days += 1
                if closed_days > SEARCH_LIMIT_DAYS:
                    raise NoOpenTimeError(
                        f"The calendar has no open time in the {SEARCH_LIMIT_DAYS} days after "
                        f"{_from_us(start_us).isoformat()}."
                    )

    def _intervals_between(self, start_us: int, end_us: int) -> Iterator[tuple[int, int]]:
        """Open intervals clipped to ``[start_us, end_us)``, in order, never overlapping."""
        if end_us <= start_us:
            return
        ordinal = self._local_ordinal(start_us)
        if self._crosses_midnight:
            ordinal -= 1
        last_ordinal = self._local_ordinal(end_us)
        last_end = start_us
        while ordinal <= last_ordinal:
            for opens, closes in self._intervals_on(ordinal):
                if closes <= last_end:
                    continue
                if opens >= end_us:
                    return
                if opens < last_end:
                    opens = last_end
                if closes > end_us:
                    closes = end_us
                yield opens, closes
                last_end = closes
            ordinal += 1


def _local_to_utc_us(zone: ZoneInfo, local: datetime) -> int:
    """A naive local wall time as UTC microseconds: the first occurrence of a repeated time, the
    instant of the change for a skipped one."""
    early = local.replace(tzinfo=zone)
    late = local.replace(tzinfo=zone, fold=1)
    early_offset, late_offset = early.utcoffset(), late.utcoffset()
    if early_offset >= late_offset:
        return (early - _EPOCH) // _MICROSECOND
    # A gap: the clock jumped over this time. The change lies between the two readings; find
    # the first second with the later offset.
    low = (late - _EPOCH) // _MICROSECOND // _US_PER_SECOND
    high = (early - _EPOCH) // _MICROSECOND // _US_PER_SECOND
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == late_offset:
            high = middle
        else:
            low = middle
    return high * _US_PER_SECOND


def _to_us(instant: datetime, name: str = "instant") -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone).")
    return (instant - _EPOCH) // _MICROSECOND


def _from_us(instant_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=instant_us)


ALWAYS_OPEN = BusinessCalendar(timezone="UTC", weekly=(((0, MINUTES_PER_DAY),),) * 7)


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the calendar is open at this instant (open at an opening, closed at a closing)."""
    at_us = _to_us(at, "at")
    if calendar._always_open:
        return True
    opens, _ = next(calendar._intervals_from(at_us))
    return opens == at_us


def next_opening(calendar: BusinessCalendar, at: datetime) -> datetime:
    """The first open instant at or after ``at``: ``at`` itself when the calendar is open."""
    at_us = _to_us(at, "at")
    if calendar._always_open:
        return _from_us(at_us)
    opens, _ = next(calendar._intervals_from(at_us))
    return _from_us(opens)


def due_after(calendar: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The instant at which ``seconds`` of business time have passed since ``start``.

    A budget that runs out exactly at a closing time is due at that closing instant; with
    ``seconds=0`` the answer is the next opening (``start`` itself when open).
    """
    start_us = _to_us(start, "start")
    if seconds < 0:
        raise ValueError("seconds must not be negative.")
    remaining = round(seconds * _US_PER_SECOND)
    if calendar._always_open:
        return _from_us(start_us + remaining)
    for opens, closes in calendar._intervals_from(start_us):
        length = closes - opens
        if remaining <= length:
            return _from_us(opens + remaining)
        remaining -= length
    raise AssertionError("unreachable: the search raises before it ends")  # pragma: no cover


def business_microseconds_between(
    calendar: BusinessCalendar, start: datetime, end: datetime
) -> int:
    """Business time in ``[start, end)`` in microseconds (0 when ``end`` is not after it)."""
    start_us, end_us = _to_us(start, "start"), _to_us(end, "end")
    if end_us <= start_us:
        return 0
    if calendar._always_open:
        return end_us - start_us
    return sum(closes - opens for opens, closes in calendar._intervals_between(start_us, end_us))


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in ``[start, end)``, rounded down; 0 when ``end`` is not
    after ``start``."""
    return business_microseconds_between(calendar, start, end) // _US_PER_SECOND


def open_intervals(
    calendar: BusinessCalendar, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The open spans within ``[start, end)`` as ``(opens, closes)`` UTC datetimes, in order;
    spans that touch are joined."""
    start_us, end_us = _to_us(start, "start"), _to_us(end, "end")
    if end_us <= start_us:
        return
    if calendar._always_open:
        yield _from_us(start_us), _from_us(end_us)
        return
    current = None
    for opens, closes in calendar._intervals_between(start_us, end_us):
        if current is not None and opens <= current[1]:
            current = (current[0], max(current[1], closes))
            continue
        if current is not None:
            yield _from_us(current[0]), _from_us(current[1])
        current = (opens, closes)
    if current is not None:
        yield _from_us(current[0]), _from_us(current[1])
