"""Business time on a calendar: vendors' published examples, DST, night windows, holidays."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.calendars.business_time import (
    ALWAYS_OPEN,
    DAY_KEYS,
    BusinessCalendar,
    HoursError,
    NoOpenTimeError,
    business_seconds_between,
    due_after,
    is_open,
    next_opening,
    open_intervals,
    parse_hours,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def weekdays(start="09:00", end="17:00", **extra):
    hours = {day: [[start, end]] for day in DAY_KEYS[:5]}
    hours.update(extra)
    return hours


def local(zone, *parts):
    return datetime(*parts, tzinfo=zone)


# Vendors' published examples ----------------------------------------------------------------


def test_servicenow_business_elapsed_time_over_a_weekend():
    """ServiceNow community, "Understanding my SLAs" (part II, actual vs business elapsed time):
    on the "8-5 weekdays" schedule a ticket opened on Friday 12 December at 20:49 has, on the
    following Monday at 9:44, a business elapsed time of 1 hour 44 minutes, the clock being
    stopped from 5 pm on Friday to 8 am on Monday, while its actual elapsed time is over 60
    hours."""
    calendar = BusinessCalendar(timezone="America/New_York", weekly=weekdays("08:00", "17:00"))
    opened = local(NEW_YORK, 2014, 12, 12, 20, 49)
    now = local(NEW_YORK, 2014, 12, 15, 9, 44)

    elapsed = business_seconds_between(calendar, opened, now)

    assert elapsed == HOUR + 44 * 60
    assert (now - opened).total_seconds() > 60 * HOUR


def test_servicenow_one_day_duration_on_a_nine_to_five_schedule_spans_three_working_days():
    """ServiceNow docs, "SLA duration and schedules": a duration of one day (24 hours) on a
    9 am to 5 pm schedule (8 hours) is distributed across three working days of 8 hours each."""
    calendar = BusinessCalendar(timezone="Europe/London", weekly=weekdays())
    start = local(LONDON, 2026, 3, 2, 9)  # a Monday, at opening

    due = due_after(calendar, start, 24 * HOUR)

    assert due == local(LONDON, 2026, 3, 4, 17)  # the close of the third working day


def test_jira_goal_time_counts_only_the_calendars_working_hours():
    """Atlassian, Jira Service Management "How teams see SLAs" (remaining and goal time):
    Request A has a goal of 16 hours and starts at 11:00 on Monday, with working hours Monday
    09:00-17:00, Tuesday 09:00-16:00, Wednesday not working, Thursday 08:00-17:00, Friday to
    Sunday not working. Monday gives 6 hours, Tuesday 7, Thursday the last 3: due 11:00
    Thursday, and the goal time does not depend on the current time."""
    calendar = BusinessCalendar(
        timezone="Australia/Sydney",
        weekly={
            "mon": [["09:00", "17:00"]],
            "tue": [["09:00", "16:00"]],
            "thu": [["08:00", "17:00"]],
        },
    )
    sydney = ZoneInfo("Australia/Sydney")
    start = local(sydney, 2026, 6, 1, 11)  # a Monday

    due = due_after(calendar, start, 16 * HOUR)

    assert due == local(sydney, 2026, 6, 4, 11)
    assert business_seconds_between(calendar, start, local(sydney, 2026, 6, 3, 12)) == 13 * HOUR


def test_jira_sample_nine_to_five_calendar_pauses_outside_working_hours():
    """Atlassian, "Create and edit SLA calendars": the sample 9-5 calendar tracks hours from
    9 a.m. to 5 p.m., Monday through Friday; time outside the calendar is not counted."""
    calendar = BusinessCalendar(timezone="UTC", weekly=weekdays())
    friday_evening = datetime(2026, 6, 5, 16, tzinfo=UTC)

    assert business_seconds_between(
        calendar, friday_evening, datetime(2026, 6, 8, 10, tzinfo=UTC)
    ) == (2 * HOUR)
    assert due_after(calendar, friday_evening, 2 * HOUR) == datetime(2026, 6, 8, 10, tzinfo=UTC)


def test_zendesk_schedule_intervals_as_a_calendar():
    """Zendesk Schedules API: intervals are minutes since Sunday midnight and cannot span days;
    a Monday-Friday 09:00-17:00 schedule reads intervals 1980-2460, 3420-3900, 4860-5340,
    6300-6780 and 7740-8220. The same schedule as calendar hours holds 40 hours a week, and a
    ticket created outside business hours starts counting at the next opening."""
    zendesk_intervals = [(1980, 2460), (3420, 3900), (4860, 5340), (6300, 6780), (7740, 8220)]
    hours = {day: [] for day in DAY_KEYS}
    sunday_first = ("sun", *DAY_KEYS[:6])
    for start, end in zendesk_intervals:
        day = sunday_first[start // 1440]
        hours[day].append([start % 1440, end - (start // 1440) * 1440])
    calendar = BusinessCalendar(timezone="America/Los_Angeles", weekly=hours)
    assert calendar.weekly == parse_hours(weekdays())

    monday = datetime(2026, 6, 1, tzinfo=UTC)
    assert business_seconds_between(calendar, monday, monday + timedelta(days=7)) == 40 * HOUR

    pacific = ZoneInfo("America/Los_Angeles")
    saturday = local(pacific, 2026, 6, 6, 13)
    assert next_opening(calendar, saturday) == local(pacific, 2026, 6, 8, 9)
    assert due_after(calendar, saturday, 8 * HOUR) == local(pacific, 2026, 6, 8, 17)


# Readings of the contract ---------------------------------------------------------------------


def test_budget_running_out_at_closing_is_due_at_the_closing_instant():
    calendar = BusinessCalendar(timezone="Europe/London", weekly=weekdays())
    start = local(LONDON, 2026, 6, 1, 13)

    assert due_after(calendar, start, 4 * HOUR) == local(LONDON, 2026, 6, 1, 17)
    assert due_after(calendar, start, 4 * HOUR + 1) == local(LONDON, 2026, 6, 2, 9, 0, 1)


def test_zero_budget_is_the_next_opening_or_the_start_when_open():
    calendar = BusinessCalendar(timezone="Europe/London", weekly=weekdays())
    open_now = local(LONDON, 2026, 6, 1, 10, 15)
    at_closing = local(LONDON, 2026, 6, 1, 17)

    assert due_after(calendar, open_now, 0) == open_now
    assert due_after(calendar, at_closing, 0) == local(LONDON, 2026, 6, 2, 9)
    assert next_opening(calendar, local(LONDON, 2026, 6, 1, 9)) == local(LONDON, 2026, 6, 1, 9)
    assert is_open(calendar, local(LONDON, 2026, 6, 1, 9))
    assert not is_open(calendar, at_closing)


def test_elapsed_is_zero_when_the_end_is_not_after_the_start():
    calendar = BusinessCalendar(timezone="UTC", weekly=weekdays())
    start = datetime(2026, 6, 1, 10, tzinfo=UTC)

    assert business_seconds_between(calendar, start, start) == 0
    assert business_seconds_between(calendar, start, start - timedelta(hours=1)) == 0


def test_answers_are_aware_utc_and_naive_instants_are_refused():
    calendar = BusinessCalendar(timezone="Europe/London", weekly=weekdays())

    due = due_after(calendar, local(LONDON, 2026, 6, 1, 10), 60)
    assert due.tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        due_after(calendar, datetime(2026, 6, 1, 10), 60)


def test_always_open_is_wall_time():
    start = local(LONDON, 2026, 3, 28, 12)
    end = local(LONDON, 2026, 3, 30, 12)

    assert business_seconds_between(ALWAYS_OPEN, start, end) == 47 * HOUR  # across spring DST
    assert due_after(ALWAYS_OPEN, start, 47 * HOUR) == end
    assert list(open_intervals(ALWAYS_OPEN, start, end)) == [
        (start.astimezone(UTC), end.astimezone(UTC))
    ]


# Daylight saving time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/London", date(2026, 3, 29), 23),
        ("Europe/London", date(2026, 10, 25), 25),
        ("America/New_York", date(2026, 3, 8), 23),
        ("America/New_York", date(2026, 11, 1), 25),
        ("Europe/London", date(2026, 6, 1), 24),
    ],
)
def test_a_day_open_around_the_clock_holds_its_real_length(zone, day, hours):
    tz = ZoneInfo(zone)
    calendar = BusinessCalendar(timezone=zone, weekly=[[("00:00", "24:00")]] * 7, holidays={})
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)

    assert business_seconds_between(calendar, start, end) == hours * HOUR
    assert due_after(calendar, start, hours * HOUR) == end


def test_london_office_hours_keep_their_local_times_across_the_spring_change():
    calendar = BusinessCalendar(timezone="Europe/London", weekly=weekdays())
    friday = local(LONDON, 2026, 3, 27, 16)  # GMT; Monday 30 March is BST

    due = due_after(calendar, friday, 2 * HOUR)

    assert due == local(LONDON, 2026, 3, 30, 10)
    assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)


def test_new_york_night_window_through_the_autumn_change_counts_the_repeated_hour():
    """A night shift 22:00-06:00 on Saturday 31 October 2026 runs 9 real hours: the clock
    shows 01:00-02:00 twice."""
    calendar = BusinessCalendar(timezone="America/New_York", weekly={"sat": [["22:00", "06:00"]]})
    start = local(NEW_YORK, 2026, 10, 31, 22)

    intervals = list(open_intervals(calendar, start, start + timedelta(days=1)))

    assert intervals == [
        (datetime(2026, 11, 1, 2, tzinfo=UTC), datetime(2026, 11, 1, 11, tzinfo=UTC))
    ]
    assert due_after(calendar, start, 9 * HOUR) == local(NEW_YORK, 2026, 11, 1, 6)


def test_new_york_window_starting_in_the_skipped_hour_opens_at_the_change():
    """02:30 does not exist on 8 March 2026 in New York (02:00 EST becomes 03:00 EDT): a window
    02:30-04:00 opens at the change, 07:00 UTC, and holds one real hour."""
    calendar = BusinessCalendar(timezone="America/New_York", weekly={"sun": [["02:30", "04:00"]]})
    day_start = local(NEW_YORK, 2026, 3, 8)

    intervals = list(open_intervals(calendar, day_start, day_start + timedelta(days=1)))

    assert intervals == [(datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC))]


# Night windows, holidays, closed and open dates ------------------------------------------------


def test_a_night_window_belongs_to_the_day_it_starts():
    calendar = BusinessCalendar(timezone="UTC", weekly={"fri": [["23:00", "07:00"]]})
    friday_night = datetime(2026, 6, 5, 23, tzinfo=UTC)

    assert is_open(calendar, datetime(2026, 6, 6, 3, tzinfo=UTC))  # Saturday 03:00
    assert due_after(calendar, friday_night, 8 * HOUR) == datetime(2026, 6, 6, 7, tzinfo=UTC)
    assert due_after(calendar, friday_night, 8 * HOUR + 60) == datetime(
        2026, 6, 12, 23, 1, tzinfo=UTC
    )


def test_a_holiday_drops_the_night_window_starting_on_it_but_not_the_one_running_into_it():
    calendar = BusinessCalendar(
        timezone="UTC",
        weekly={day: [["23:00", "07:00"]] for day in DAY_KEYS},
        holidays={date(2026, 6, 5)},
    )
    thursday = datetime(2026, 6, 4, 12, tzinfo=UTC)
    saturday = datetime(2026, 6, 6, 12, tzinfo=UTC)

    assert list(open_intervals(calendar, thursday, saturday)) == [
        (datetime(2026, 6, 4, 23, tzinfo=UTC), datetime(2026, 6, 5, 7, tzinfo=UTC))
    ]


def test_holidays_are_stepped_over():
    """England's Christmas 2026: Friday 25 and Monday 28 December (Boxing Day substitute)."""
    calendar = BusinessCalendar(
        timezone="Europe/London",
        weekly=weekdays(),
        holidays={date(2026, 12, 25), date(2026, 12, 28)},
    )
    start = local(LONDON, 2026, 12, 24, 16)

    assert due_after(calendar, start, 2 * HOUR) == local(LONDON, 2026, 12, 29, 10)
    assert business_seconds_between(calendar, start, local(LONDON, 2026, 12, 30, 9)) == (9 * HOUR)


def test_closed_dates_close_and_open_dates_open():
    calendar = BusinessCalendar(
        timezone="UTC",
        weekly={"mon": [["09:00", "17:00"]], "tue": [["10:00", "12:00"]]},
        holidays={date(2026, 6, 1)},
        closed_dates={date(2026, 6, 2)},
        open_dates={date(2026, 6, 1), date(2026, 6, 6)},  # the holiday Monday, a Saturday
    )
    week = [
        (opens.isoformat(), closes.isoformat())
        for opens, closes in open_intervals(
            calendar, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 8, tzinfo=UTC)
        )
    ]

    assert week == [
        ("2026-06-01T09:00:00+00:00", "2026-06-01T17:00:00+00:00"),  # opened with its own hours
        ("2026-06-06T09:00:00+00:00", "2026-06-06T17:00:00+00:00"),  # borrows Monday's
    ]


def test_an_open_date_on_a_calendar_without_weekly_hours_opens_all_day():
    calendar = BusinessCalendar(timezone="UTC", open_dates={date(2026, 6, 6)})

    assert business_seconds_between(
        calendar, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 10, tzinfo=UTC)
    ) == (24 * HOUR)


def test_a_calendar_never_open_raises_a_clear_error_quickly():
    calendar = BusinessCalendar(timezone="UTC", weekly=weekdays(), closed_dates=set())
    everything_closed = BusinessCalendar(
        timezone="UTC",
        weekly={"mon": [["09:00", "17:00"]]},
        closed_dates={date(2026, 1, 5) + timedelta(weeks=week) for week in range(200)},
    )

    with pytest.raises(NoOpenTimeError, match="no open time"):
        next_opening(everything_closed, datetime(2026, 1, 1, tzinfo=UTC))
    assert next_opening(calendar, datetime(2026, 1, 1, tzinfo=UTC)) == datetime(
        2026, 1, 1, 9, tzinfo=UTC
    )


def test_touching_windows_are_one_open_span():
    calendar = BusinessCalendar(
        timezone="UTC", weekly={"mon": [["09:00", "12:00"], ["12:00", "17:00"]]}
    )
    monday = datetime(2026, 6, 1, tzinfo=UTC)

    assert list(open_intervals(calendar, monday, monday + timedelta(days=1))) == [
        (monday + timedelta(hours=9), monday + timedelta(hours=17))
    ]


# Hours that are not well formed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon": [["09:00", "09:00"]]}, "mon: window 09:00–09:00 starts and ends at the same"),
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "mon: window 09:00–12:00 overlaps"),
        ({"mon": [["22:00", "02:00"]], "tue": [["01:00", "05:00"]]}, "overlaps tue 01:00–05:00"),
        ({"sun": [["22:00", "02:00"]], "mon": [["01:00", "05:00"]]}, "overlaps mon 01:00–05:00"),
        ({"mon": [["9am", "17:00"]]}, "'9am' is not a time of day"),
        ({"mon": [["24:00", "02:00"]]}, "starts at 24:00"),
        ({"mon": [["25:00", "26:00"]]}, "not a time of day"),
        ({"mon": [["09:00"]]}, "a pair"),
        ({"monday": [["09:00", "17:00"]]}, "Unknown day 'monday'"),
        ({"mon": "09:00-17:00"}, "a list of windows"),
    ],
)
def test_malformed_hours_are_refused_with_the_day_named(hours, message):
    with pytest.raises(HoursError, match=message):
        parse_hours(hours)


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="not an IANA time zone"):
        BusinessCalendar(timezone="Mars/Olympus_Mons", weekly=weekdays())


def test_midnight_written_as_an_end_equals_24_00():
    assert parse_hours({"mon": [["22:00", "00:00"]]}) == parse_hours({"mon": [["22:00", "24:00"]]})
