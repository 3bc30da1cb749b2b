"""Where an escalation level falls on a clock: pure maths, no Django.

A level sits either at a percentage of the clock's target (50 % = when half its business time
is used) or at a signed offset in business minutes from its due (−10 = ten business minutes
before, +60 = an hour of business time after a breach). Both are counted from the due, in the
clock's calendar, so a pause that moves the due moves its levels with it, and a level on a
business-hours calendar falls inside its hours, unless it may fire outside them: then an offset
after the due counts wall-clock minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from apps.calendars.business_time import BusinessCalendar, due_after, open_intervals

# How far back the search for business time before an instant looks at first (doubling after).
_FIRST_LOOK_DAYS = 7
_LAST_LOOK_DAYS = 7 * 64


def seconds_from_due(
    *, target_seconds: int, percent: Decimal | float | None, offset_minutes: int | None
) -> int:
    """The level's signed distance from the due in business seconds (negative = before it)."""
    if (percent is None) == (offset_minutes is None):
        raise ValueError("A level has either a percent or an offset, not both nor neither.")
    if percent is not None:
        used = int(Decimal(target_seconds) * Decimal(percent) / 100)
        return used - target_seconds
    return int(offset_minutes) * 60


def business_before(calendar: BusinessCalendar, end: datetime, seconds: int) -> datetime:
    """The latest instant from which ``seconds`` of business time run up to ``end``.

    ``seconds=0`` answers ``end`` itself. The mirror of ``due_after``: for any instant ``s``
    so found, ``due_after(calendar, s, seconds)`` is ``end`` when ``end`` is open or a closing.
    """
    if seconds < 0:
        raise ValueError("seconds must not be negative.")
    if seconds == 0:
        return end
    days = _FIRST_LOOK_DAYS
    while True:
        start = end - timedelta(days=days)
        spans = list(open_intervals(calendar, start, end))
        remaining = timedelta(seconds=seconds)
        for opens, closes in reversed(spans):
            length = closes - opens
            if remaining <= length:
                return closes - remaining
            remaining -= length
        if days >= _LAST_LOOK_DAYS:
            raise ValueError("Not that much business time before this instant.")
        days *= 2


def level_at(
    *,
    calendar: BusinessCalendar,
    due_at: datetime,
    started_at: datetime,
    target_seconds: int,
    percent: Decimal | float | None = None,
    offset_minutes: int | None = None,
    outside_hours: bool = False,
) -> datetime:
    """The instant a level falls due on a running clock with this due.

    Never before the clock started: a level that would (−90 on a 60-minute target) falls at the
    clock's first business instant. A level that may fire ``outside_hours`` counts an offset
    after the due in wall-clock time (+120 after a 17:00 due is 19:00, for on-call at night).
    """
    shift = seconds_from_due(
        target_seconds=target_seconds, percent=percent, offset_minutes=offset_minutes
    )
    if shift >= 0 and outside_hours and offset_minutes is not None:
        return due_at + timedelta(seconds=shift)
    if shift >= 0:
        return due_after(calendar, due_at, shift)
    try:
        at = business_before(calendar, due_at, -shift)
    except ValueError:
        at = started_at
    return max(at, due_after(calendar, started_at, 0))


def earliest(instants: Iterable[datetime | None]) -> datetime | None:
    """The earliest of these instants, ignoring the missing ones (None when none is left)."""
    present = [at for at in instants if at is not None]
    return min(present) if present else None
