"""Where levels fall: a percent of the target or a signed business offset from the due."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.calendars.business_time import (
    ALWAYS_OPEN,
    BusinessCalendar,
    business_seconds_between,
    due_after,
)
from apps.support.escalation import business_before, level_at, seconds_from_due

OFFICE = BusinessCalendar.from_hours(
    {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    timezone="Europe/London",
)
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_percent_and_offset_are_signed_business_seconds_from_the_due():
    assert seconds_from_due(target_seconds=3600, percent=Decimal("75"), offset_minutes=None) == -900
    assert seconds_from_due(target_seconds=3600, percent=Decimal("100"), offset_minutes=None) == 0
    assert seconds_from_due(target_seconds=3600, percent=None, offset_minutes=-10) == -600
    assert seconds_from_due(target_seconds=3600, percent=None, offset_minutes=60) == 3600
    with pytest.raises(ValueError):
        seconds_from_due(target_seconds=3600, percent=Decimal("5"), offset_minutes=5)


def test_ten_business_minutes_before_a_monday_morning_due_is_friday_afternoon():
    due = datetime(2026, 3, 9, 9, 5, tzinfo=UTC)  # Monday 09:05 London (GMT)

    assert business_before(OFFICE, due, 600) == datetime(2026, 3, 6, 16, 55, tzinfo=UTC)


def test_an_hour_after_a_friday_afternoon_breach_falls_on_monday_morning():
    due = datetime(2026, 3, 6, 16, 30, tzinfo=UTC)

    at = level_at(
        calendar=OFFICE, due_at=due, started_at=MONDAY_9, target_seconds=3600, offset_minutes=60
    )

    assert at == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


def test_a_level_before_the_start_falls_at_the_first_business_instant():
    due = MONDAY_9 + timedelta(minutes=60)

    at = level_at(
        calendar=OFFICE, due_at=due, started_at=MONDAY_9, target_seconds=3600, offset_minutes=-90
    )

    assert at == MONDAY_9


def test_seventy_five_percent_of_an_hour_on_24x7_is_fifteen_minutes_before_the_due():
    due = MONDAY_9 + timedelta(hours=1)

    at = level_at(
        calendar=ALWAYS_OPEN, due_at=due, started_at=MONDAY_9, target_seconds=3600, percent=75
    )

    assert at == MONDAY_9 + timedelta(minutes=45)


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(end=instants, seconds=st.integers(min_value=1, max_value=5 * 8 * 3600))
def test_business_before_is_the_mirror_of_due_after(end, seconds):
    start = business_before(OFFICE, end, seconds)

    assert start <= end
    assert business_seconds_between(OFFICE, start, end) == seconds
    # Nothing later would do: the start is an opening edge or inside hours.
    assert due_after(OFFICE, start, seconds) <= end


@settings(max_examples=150, deadline=None)
@given(
    end=instants,
    seconds=st.integers(min_value=0, max_value=40 * 3600),
    percent=st.integers(min_value=0, max_value=100),
)
def test_a_level_never_falls_outside_hours_nor_after_the_due_when_below_100_percent(
    end, seconds, percent
):
    due = due_after(OFFICE, end, 0)
    started = business_before(OFFICE, due, max(seconds, 1))

    at = level_at(
        calendar=OFFICE,
        due_at=due,
        started_at=started,
        target_seconds=max(seconds, 1),
        percent=percent,
    )

    assert started <= at <= due
    assert due_after(OFFICE, at, 0) == at or at == due  # inside hours, or at the due itself
