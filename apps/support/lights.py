"""What the ticket list shows of a stored clock at an instant: time left and its colour. Pure.

A stored clock holds its readings as of ``computed_at``; a running clock has spent the business
time of its calendar since then as well, a paused or stopped one has not. Green while in time,
amber once ``WARNING_PERCENT`` of the target has elapsed (the first warning threshold; escalation
policies will place their own levels), red when breached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.calendars.business_time import BusinessCalendar, business_seconds_between

WARNING_PERCENT = 75
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"


@dataclass(frozen=True)
class Light:
    colour: str  # green, amber, red, grey
    remaining_seconds: int
    percent_elapsed: float
    label: str


def duration(seconds: int) -> str:
    """``1d 2h``, ``3h 05m``, ``12m``: the two largest units, for a list cell."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def light(
    *,
    state: str,
    target_seconds: int,
    elapsed_seconds: int,
    computed_at: datetime,
    breached: bool,
    stopped: bool,
    calendar: BusinessCalendar,
    now: datetime,
) -> Light:
    """The clock's light at ``now`` from its readings at ``computed_at``. A clock breached while
    it still runs (not ``stopped``) keeps counting: it shows how far over it is."""
    elapsed = elapsed_seconds
    counting = state == RUNNING or (state == BREACHED and not stopped)
    if counting and now > computed_at:
        elapsed += business_seconds_between(calendar, computed_at, now)
    remaining = target_seconds - elapsed
    percent = 100.0 * elapsed / target_seconds if target_seconds else 100.0
    if state == CANCELLED:
        return Light("grey", remaining, percent, "cancelled")
    late = breached or remaining < 0
    if stopped:
        return Light("red" if late else "green", remaining, percent, state)
    if late:
        colour, label = "red", f"{duration(remaining)} over"
    else:
        colour = "amber" if percent >= WARNING_PERCENT else "green"
        label = f"{duration(remaining)} left"
    if state == PAUSED:
        label += " (paused)"
    return Light(colour, remaining, percent, label)
