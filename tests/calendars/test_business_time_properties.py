"""Properties of business time on random calendars (zones with DST, night windows, holidays)."""

import itertools
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.calendars.business_time import (
    ALWAYS_OPEN,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    BusinessCalendar,
    business_seconds_between,
    due_after,
    is_open,
    next_opening,
    open_intervals,
)

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # a half-hour DST change
    "Asia/Kolkata",
    "Pacific/Chatham",
]
FIRST = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 3 * 366 * 86400


def _windows_from_points(points: list[int], rotate: bool) -> list[list[list[int]]]:
    """Disjoint spans on the week's circle as per-day windows; spans longer than a day are cut
    at midnight, shorter ones that run past midnight stay as night windows."""
    if rotate:
        points = [*points[1:], points[0] + MINUTES_PER_WEEK]
    weekly: list[list[list[int]]] = [[] for _ in range(7)]
    for begin, finish in zip(points[::2], points[1::2], strict=True):
        while finish > begin:
            day, start = divmod(begin, MINUTES_PER_DAY)
            day %= 7
            length = finish - begin
            if start + length <= MINUTES_PER_DAY:
                weekly[day].append([start, start + length])
                break
            if length < MINUTES_PER_DAY:
                weekly[day].append([start, start + length - MINUTES_PER_DAY])
                break
            weekly[day].append([start, MINUTES_PER_DAY])
            begin += MINUTES_PER_DAY - start
    return weekly


@st.composite
def calendars(draw):
    points = sorted(
        draw(
            st.sets(st.integers(0, MINUTES_PER_WEEK - 1), min_size=2, max_size=12).filter(
                lambda found: len(found) % 2 == 0
            )
        )
    )
    weekly = _windows_from_points(points, draw(st.booleans()))
    days = st.dates(date(2025, 1, 1), date(2027, 12, 31))
    return BusinessCalendar(
        timezone=draw(st.sampled_from(ZONES)),
        weekly=weekly,
        holidays=draw(st.frozensets(days, max_size=15)),
        closed_dates=draw(st.frozensets(days, max_size=5)),
        open_dates=draw(st.frozensets(days, max_size=5)),
    )


instants = st.integers(0, SPAN_SECONDS).map(lambda offset: FIRST + timedelta(seconds=offset))
budgets = st.integers(0, 40 * 86400)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, instants, instants)
def test_elapsed_is_additive_over_any_split(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert business_seconds_between(calendar, a, c) == business_seconds_between(
        calendar, a, b
    ) + business_seconds_between(calendar, b, c)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, budgets)
def test_elapsed_until_the_due_is_the_budget(calendar, start, seconds):
    due = due_after(calendar, start, seconds)

    assert due >= start
    assert business_seconds_between(calendar, start, due) == seconds
    if seconds:
        # ... and the due is the first such instant.
        assert business_seconds_between(calendar, start, due - timedelta(seconds=1)) == seconds - 1
        assert is_open(calendar, due - timedelta(seconds=1))


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, budgets, budgets)
def test_due_is_monotonic_in_the_budget(calendar, start, first, second):
    small, large = sorted((first, second))
    assert due_after(calendar, start, small) <= due_after(calendar, start, large)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, instants, budgets)
def test_due_is_monotonic_in_the_start(calendar, first, second, seconds):
    early, late = sorted((first, second))
    assert due_after(calendar, early, seconds) <= due_after(calendar, late, seconds)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants)
def test_next_opening_is_open_and_nothing_passes_before_it(calendar, at):
    opening = next_opening(calendar, at)

    assert opening >= at
    assert is_open(calendar, opening)
    assert business_seconds_between(calendar, at, opening) == 0
    assert due_after(calendar, at, 0) == opening


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, instants)
def test_open_intervals_sum_to_the_elapsed_time_and_never_touch(calendar, a, b):
    a, b = sorted((a, b))
    intervals = list(open_intervals(calendar, a, b))

    total = sum((closes - opens for opens, closes in intervals), timedelta())
    assert int(total.total_seconds()) == business_seconds_between(calendar, a, b)
    for (_, closes), (opens, _) in itertools.pairwise(intervals):
        assert closes < opens
    assert all(a <= opens < closes <= b for opens, closes in intervals)


@settings(max_examples=100, deadline=None)
@given(instants, instants, budgets)
def test_always_open_equals_wall_time(a, b, seconds):
    a, b = sorted((a, b))
    assert business_seconds_between(ALWAYS_OPEN, a, b) == int((b - a).total_seconds())
    assert due_after(ALWAYS_OPEN, a, seconds) == a + timedelta(seconds=seconds)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ZONES), instants, instants, budgets)
def test_a_calendar_open_around_the_clock_in_any_zone_equals_wall_time(zone, a, b, seconds):
    calendar = BusinessCalendar(timezone=zone, weekly=[[["00:00", "24:00"]]] * 7)
    a, b = sorted((a, b))
    assert business_seconds_between(calendar, a, b) == int((b - a).total_seconds())
    assert due_after(calendar, a, seconds) == a + timedelta(seconds=seconds)
