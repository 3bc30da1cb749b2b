"""Benchmark of business-time dues against adding a plain timedelta, on the same inputs.

100,000 starts (``scale`` 1.0) drawn over one year, whole seconds, each with a support budget
from 15 business minutes to three business days, on a Monday-Friday 09:00-17:00 calendar in
Europe/London closed on England's bank holidays. Each pass computes every due once; the floor
builds each budget as a timedelta and adds it to its start. Both are timed in the same run,
the median of ``repeats`` passes each. The first pass on a fresh calendar also works out each
day's open spans; it is reported on its own. No database.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from apps.calendars.business_time import BusinessCalendar, business_seconds_between, due_after
from apps.calendars.public_holidays import holidays_of_year

CALLS = 100_000
YEAR = 2026
BUDGET_MINUTES = (15, 30, 60, 240, 480, 960, 1440)
HOURS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def _calendar() -> BusinessCalendar:
    holidays = {day for year in (YEAR, YEAR + 1) for day, _ in holidays_of_year("GB", "ENG", year)}
    return BusinessCalendar(timezone="Europe/London", weekly=HOURS, holidays=frozenset(holidays))


def _inputs(count: int) -> list[tuple[datetime, int]]:
    rng = random.Random(13)
    first = datetime(YEAR, 1, 1, tzinfo=UTC)
    span = int((datetime(YEAR + 1, 1, 1, tzinfo=UTC) - first).total_seconds())
    return [
        (first + timedelta(seconds=rng.randrange(span)), 60 * rng.choice(BUDGET_MINUTES))
        for _ in range(count)
    ]


def _time(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run(*, scale: float = 1.0, repeats: int = 3) -> dict:
    inputs = _inputs(max(int(CALLS * scale), 1))
    calendar = _calendar()
    first_pass = _time(lambda: [due_after(calendar, start, seconds) for start, seconds in inputs])
    due_seconds = statistics.median(
        _time(lambda: [due_after(calendar, start, s) for start, s in inputs])
        for _ in range(repeats)
    )
    floor_seconds = statistics.median(
        _time(lambda: [start + timedelta(seconds=s) for start, s in inputs]) for _ in range(repeats)
    )
    # The answers are checked outside the timings: each due holds exactly its budget.
    for start, seconds in inputs[:: max(len(inputs) // 1000, 1)]:
        due = due_after(calendar, start, seconds)
        if business_seconds_between(calendar, start, due) != seconds:
            raise RuntimeError(f"due_after disagrees with business_seconds_between at {start}")
    calls = len(inputs)
    return {
        "benchmark": "business_time_due_after",
        "calls": calls,
        "calendar": "Europe/London, Mon-Fri 09:00-17:00, England bank holidays",
        "repeats": repeats,
        "due_after_us_per_call": round(due_seconds / calls * 1e6, 3),
        "due_after_first_pass_us_per_call": round(first_pass / calls * 1e6, 3),
        "timedelta_us_per_call": round(floor_seconds / calls * 1e6, 3),
        "ratio": round(due_seconds / floor_seconds, 2),
    }
