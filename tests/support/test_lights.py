"""The ticket list's light of a clock: business time left at an instant, and its colour."""

from datetime import UTC, datetime, timedelta

from apps.calendars.business_time import ALWAYS_OPEN, BusinessCalendar
from apps.support.lights import duration, light

T0 = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # a Friday, an hour before closing in London
OFFICE = BusinessCalendar(timezone="Europe/London", weekly=(((540, 1020),),) * 5 + ((), ()))


def read(state="running", *, elapsed=0, target=3600, breached=False, stopped=False, **kw):
    return light(
        state=state,
        target_seconds=target,
        elapsed_seconds=elapsed,
        computed_at=T0,
        breached=breached,
        stopped=stopped,
        calendar=kw.get("calendar", ALWAYS_OPEN),
        now=kw.get("now", T0),
    )


def test_running_clock_spends_the_time_since_it_was_computed():
    later = read(now=T0 + timedelta(minutes=30))
    assert (later.colour, later.remaining_seconds, later.label) == ("green", 1800, "30m left")
    assert read(now=T0 + timedelta(minutes=46)).colour == "amber"  # past 75 %
    over = read(now=T0 + timedelta(minutes=65))
    assert (over.colour, over.label) == ("red", "5m over")


def test_business_hours_stop_the_count_over_the_weekend():
    # Friday 16:00-17:00 spends the hour; the weekend spends nothing; Monday 10:00 is an hour over.
    monday = read(calendar=OFFICE, now=T0 + timedelta(days=2, hours=17))
    assert (monday.remaining_seconds, monday.colour) == (0, "amber")
    later = read(calendar=OFFICE, now=T0 + timedelta(days=2, hours=18))
    assert (later.remaining_seconds, later.label) == (-3600, "1h 00m over")


def test_paused_clock_keeps_its_time():
    paused = read("paused", elapsed=600, now=T0 + timedelta(hours=5))
    assert (paused.colour, paused.label) == ("green", "50m left (paused)")


def test_breached_while_running_keeps_counting_over():
    over = read("breached", elapsed=3700, breached=True, now=T0 + timedelta(minutes=10))
    assert (over.colour, over.label) == ("red", "11m over")


def test_stopped_clocks_show_their_result():
    assert read("met", elapsed=900, stopped=True).colour == "green"
    late = read("breached", elapsed=4000, breached=True, stopped=True, now=T0 + timedelta(days=1))
    assert (late.colour, late.label, late.remaining_seconds) == ("red", "breached", -400)
    assert read("cancelled").colour == "grey"


def test_durations_read_in_two_units():
    assert [duration(s) for s in (59, 720, 3 * 3600 + 300, 2 * 86400 + 7200)] == [
        "0m",
        "12m",
        "3h 05m",
        "2d 2h",
    ]
