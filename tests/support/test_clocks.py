"""The clock function: a ticket's clocks worked out from its rules, calendars and whole log."""

from datetime import UTC, datetime, timedelta

from apps.calendars.business_time import ALWAYS_OPEN, BusinessCalendar
from apps.support.clocks import ClockRule, LogEvent, clocks_at, ticket_readings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
# Monday to Friday, 09:00 to 17:00 in UTC.
OFFICE = BusinessCalendar.from_hours(
    {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}, timezone="UTC"
)
HOLD = frozenset({"pending_customer", "on_hold"})


def response(minutes, priority="P1", **kwargs):
    return ClockRule(1, "response", priority, minutes * 60, **kwargs)


def resolution(minutes, priority="P1", **kwargs):
    kwargs.setdefault("pause_on", HOLD)
    return ClockRule(2, "resolution", priority, minutes * 60, **kwargs)


def created(at=T0, priority="P1", status="open"):
    return LogEvent(at, "created", {"priority": priority, "status": status}, "c")


def status(at, value, key=""):
    return LogEvent(at, "status", value, key or f"s{at.isoformat()}")


def reply(at):
    return LogEvent(at, "public_reply", None, f"r{at.isoformat()}")


def priority(at, value):
    return LogEvent(at, "priority", value, f"p{at.isoformat()}")


def test_response_met_at_first_public_reply():
    (clock,) = clocks_at([response(15)], [created(), reply(T0 + 10 * MINUTE)], T0 + HOUR)
    assert clock.state == "met"
    assert clock.stopped_at == T0 + 10 * MINUTE
    assert clock.business_elapsed_seconds == 600
    assert clock.remaining_seconds == 300
    assert clock.due_at == T0 + 15 * MINUTE
    assert not clock.breached


def test_running_response_becomes_breached_after_its_due():
    rule = response(15)
    (before,) = clocks_at([rule], [created()], T0 + 15 * MINUTE)
    (after,) = clocks_at([rule], [created()], T0 + 16 * MINUTE)
    assert (before.state, before.breached, before.percent_elapsed) == ("running", False, 100.0)
    assert before.next_at == T0 + 15 * MINUTE
    assert (after.state, after.breached, after.remaining_seconds) == ("breached", True, -60)
    assert after.next_at is None


def test_reply_exactly_at_due_is_met():
    (clock,) = clocks_at([response(15)], [created(), reply(T0 + 15 * MINUTE)], T0 + HOUR)
    assert clock.state == "met"


def test_resolution_pauses_while_pending_customer():
    log = [
        created(),
        status(T0 + 10 * MINUTE, "pending_customer"),
        status(T0 + 70 * MINUTE, "open"),
        status(T0 + 100 * MINUTE, "solved"),
    ]
    (clock,) = clocks_at([resolution(60)], log, T0 + 3 * HOUR)
    assert clock.state == "met"
    assert clock.business_elapsed_seconds == 40 * 60
    assert clock.paused_seconds == 60 * 60
    assert clock.due_at == T0 + 120 * MINUTE


def test_paused_clock_due_is_as_if_resumed_now_and_has_no_next_instant():
    log = [created(), status(T0 + 10 * MINUTE, "on_hold")]
    (clock,) = clocks_at([resolution(60)], log, T0 + 2 * HOUR)
    assert clock.state == "paused"
    assert clock.due_at == T0 + 2 * HOUR + 50 * MINUTE
    assert clock.next_at is None


def test_business_hours_clock_starts_at_next_opening_and_skips_the_night():
    # Created on Friday at 16:50: ten business minutes on Friday, five on Monday morning.
    friday = datetime(2026, 3, 6, 16, 50, tzinfo=UTC)
    rule = response(15, calendar=OFFICE)
    (clock,) = clocks_at([rule], [created(friday)], datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    assert clock.due_at == datetime(2026, 3, 9, 9, 5, tzinfo=UTC)
    assert clock.business_elapsed_seconds == 600
    assert clock.state == "running"
    sunday = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)
    (clock,) = clocks_at([rule], [created(sunday)], sunday + HOUR)
    assert clock.due_at == datetime(2026, 3, 9, 9, 15, tzinfo=UTC)
    assert clock.business_elapsed_seconds == 0


def test_paused_seconds_count_only_business_time():
    # On hold from Friday 16:00 to Monday 10:00 is two business hours, not 66 wall hours.
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    log = [created(friday - HOUR), status(friday, "on_hold"), status(monday, "open")]
    (clock,) = clocks_at([resolution(240, calendar=OFFICE)], log, monday + HOUR)
    assert clock.paused_seconds == 2 * 3600
    assert clock.business_elapsed_seconds == 2 * 3600


def test_priority_change_cancels_old_clocks_and_starts_new_ones_from_creation():
    log = [
        created(priority="P3"),
        status(T0 + 5 * MINUTE, "on_hold"),
        status(T0 + 15 * MINUTE, "open"),
        priority(T0 + 30 * MINUTE, "P1"),
    ]
    rules = [resolution(480, "P3"), ClockRule(3, "resolution", "P1", 3600, pause_on=HOLD)]
    old, new = clocks_at(rules, log, T0 + 40 * MINUTE)
    assert (old.state, old.stopped_at) == ("cancelled", T0 + 30 * MINUTE)
    assert new.started_at == T0
    assert new.paused_seconds == 600
    assert new.business_elapsed_seconds == 30 * 60
    assert new.due_at == T0 + 70 * MINUTE


def test_priority_change_without_retroactive_start_counts_from_the_change():
    log = [created(priority="P3"), priority(T0 + 30 * MINUTE, "P1")]
    rule = ClockRule(3, "resolution", "P1", 3600, retroactive_start=False)
    (clock,) = clocks_at([rule], log, T0 + 40 * MINUTE)
    assert clock.started_at == T0 + 30 * MINUTE
    assert clock.business_elapsed_seconds == 600


def test_priority_change_after_the_reply_starts_no_response_clock_and_keeps_the_met_one():
    log = [created(priority="P3"), reply(T0 + 5 * MINUTE), priority(T0 + 30 * MINUTE, "P1")]
    (old,) = clocks_at([response(60, "P3"), response(15, "P1")], log, T0 + HOUR)
    assert (old.priority, old.state) == ("P3", "met")


def test_upgrade_late_enough_is_breached_at_once_with_retroactive_start():
    log = [created(priority="P3"), priority(T0 + 30 * MINUTE, "P1")]
    (clock,) = clocks_at([response(15, "P1")], log, T0 + 30 * MINUTE)
    assert clock.state == "breached"
    assert clock.due_at == T0 + 15 * MINUTE


def test_reopen_continue_does_not_count_the_solved_span():
    log = [created(), status(T0 + 20 * MINUTE, "solved"), status(T0 + 2 * HOUR, "open")]
    (clock,) = clocks_at([resolution(60, on_reopen="continue")], log, T0 + 2 * HOUR + 10 * MINUTE)
    assert clock.cycle == 1
    assert clock.state == "running"
    assert clock.stopped_at is None
    assert clock.business_elapsed_seconds == 30 * 60
    assert clock.paused_seconds == 100 * 60
    assert clock.due_at == T0 + 2 * HOUR + 40 * MINUTE


def test_reopen_new_cycle_keeps_the_first_result_and_starts_again():
    log = [
        created(),
        reply(T0 + 5 * MINUTE),
        status(T0 + 20 * MINUTE, "solved"),
        status(T0 + 2 * HOUR, "open"),
    ]
    rules = [response(15, on_reopen="new_cycle"), resolution(60, on_reopen="new_cycle")]
    at = T0 + 2 * HOUR + 20 * MINUTE
    first_response, second_response, first, second = clocks_at(rules, log, at)
    assert (first_response.cycle, first_response.state) == (1, "met")
    assert (second_response.cycle, second_response.state) == (2, "breached")
    assert (first.cycle, first.state, first.stopped_at) == (1, "met", T0 + 20 * MINUTE)
    assert (second.cycle, second.started_at, second.business_elapsed_seconds) == (
        2,
        T0 + 2 * HOUR,
        20 * 60,
    )


def test_readings_as_of_an_earlier_instant_ignore_later_events():
    log = [created(), reply(T0 + 10 * MINUTE)]
    (clock,) = clocks_at([response(15)], log, T0 + 5 * MINUTE)
    assert (clock.state, clock.business_elapsed_seconds, clock.stopped_at) == ("running", 300, None)
    assert clocks_at([response(15)], log, T0 - MINUTE) == []


def test_clocks_of_other_priorities_do_not_start():
    assert clocks_at([response(15, "P2")], [created()], T0 + HOUR) == []


def test_ticket_readings_count_reopens_and_resolution_times():
    log = [
        created(),
        LogEvent(T0 + MINUTE, "assigned", "agent@example.com", "a"),
        status(T0 + HOUR, "solved"),
        status(T0 + 2 * HOUR, "open"),
        status(T0 + 3 * HOUR, "closed"),
    ]
    readings = ticket_readings(log)
    assert readings.status == "closed"
    assert readings.assignee == "agent@example.com"
    assert readings.reopens == 1
    assert readings.first_resolution_seconds == 3600
    assert readings.full_resolution_seconds == 3 * 3600


def test_always_open_is_wall_time():
    (clock,) = clocks_at(
        [ClockRule(1, "resolution", "P1", 86400, calendar=ALWAYS_OPEN)],
        [created()],
        T0 + timedelta(hours=30, seconds=7),
    )
    assert clock.business_elapsed_seconds == 30 * 3600 + 7
    assert clock.due_at == T0 + timedelta(days=1)
