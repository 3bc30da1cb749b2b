"""Properties of the clock function, over random logs, rules and calendars."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.calendars.business_time import ALWAYS_OPEN, BusinessCalendar, business_seconds_between
from apps.support.clocks import ClockRule, LogEvent, clocks_at

T0 = datetime(2026, 3, 5, 8, 30, tzinfo=UTC)
SPAN = 6 * 24 * 3600  # seconds of the week the logs play in
OFFICE = BusinessCalendar.from_hours(
    {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    timezone="Europe/London",
)
NIGHTS = BusinessCalendar.from_hours(
    {day: [["22:00", "06:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    timezone="America/New_York",
)
STATUSES = ["open", "pending_customer", "on_hold", "solved", "closed"]

calendars = st.sampled_from([ALWAYS_OPEN, OFFICE, NIGHTS])
offsets = st.integers(min_value=0, max_value=SPAN)


@st.composite
def rules(draw, calendar=None):
    calendar = calendar or draw(calendars)
    common = {
        "on_reopen": draw(st.sampled_from(["continue", "new_cycle"])),
        "retroactive_start": draw(st.booleans()),
        "calendar": calendar,
    }
    return [
        ClockRule(1, "response", "P1", draw(st.integers(0, 8 * 3600)), **common),
        ClockRule(
            2,
            "resolution",
            "P1",
            draw(st.integers(60, 40 * 3600)),
            pause_on=frozenset({"pending_customer", "on_hold"}),
            **common,
        ),
        ClockRule(3, "resolution", "P2", draw(st.integers(60, 40 * 3600)), **common),
    ]


@st.composite
def events(draw, types=("status", "priority", "public_reply", "comment")):
    kind = draw(st.sampled_from(types))
    value = {
        "status": st.sampled_from(STATUSES),
        "priority": st.sampled_from(["P1", "P2"]),
    }.get(kind, st.none())
    return LogEvent(
        T0 + timedelta(seconds=draw(offsets)), kind, draw(value), draw(st.text("abc", max_size=3))
    )


@st.composite
def logs(draw, types=("status", "priority", "public_reply", "comment")):
    created = LogEvent(T0, "created", {"priority": draw(st.sampled_from(["P1", "P2"]))}, "c")
    return [created, *draw(st.lists(events(types), max_size=12))]


at_instants = st.integers(min_value=0, max_value=SPAN + 86400).map(
    lambda s: T0 + timedelta(seconds=s)
)


@settings(max_examples=150, deadline=None)
@given(rules(), logs(), at_instants, st.randoms())
def test_replaying_the_log_in_any_arrival_order_gives_the_same_clocks(rule_set, log, at, random):
    shuffled = list(log)
    random.shuffle(shuffled)
    assert clocks_at(rule_set, shuffled, at) == clocks_at(rule_set, log, at)


@settings(max_examples=150, deadline=None)
@given(rules(), logs(), at_instants, offsets)
def test_elapsed_is_additive_over_any_split(rule_set, log, at, split):
    # An event that changes nothing splits every span it falls in: the readings must not move.
    comment = LogEvent(T0 + timedelta(seconds=split), "comment", "note", "zz")
    assert clocks_at(rule_set, [*log, comment], at) == clocks_at(rule_set, log, at)


@settings(max_examples=150, deadline=None)
@given(rules(), offsets, offsets, calendars)
def test_running_time_adds_up_to_the_calendars_business_time(rule_set, first, second, calendar):
    rule_set = [
        ClockRule(2, "resolution", "P1", 10**7, calendar=calendar),
    ]
    early, late = sorted((T0 + timedelta(seconds=first), T0 + timedelta(seconds=second)))
    log = [LogEvent(T0, "created", {"priority": "P1"})]
    (before,) = clocks_at(rule_set, log, early)
    (after,) = clocks_at(rule_set, log, late)
    gained = after.business_elapsed_seconds - before.business_elapsed_seconds
    assert abs(gained - business_seconds_between(calendar, early, late)) <= 1


@settings(max_examples=150, deadline=None)
@given(rules(calendar=ALWAYS_OPEN), logs(), at_instants)
def test_on_a_24x7_calendar_elapsed_and_paused_make_wall_time(rule_set, log, at):
    for clock in clocks_at(rule_set, log, at):
        wall = ((clock.stopped_at or at) - clock.started_at).total_seconds()
        counted = clock.business_elapsed_seconds + clock.paused_seconds
        assert wall - 1 <= counted <= wall


@settings(max_examples=200, deadline=None)
@given(
    rules(),
    logs(types=("public_reply", "comment")),
    offsets,
    st.integers(1, 3 * 86400),
    st.sampled_from(["pending_customer", "on_hold"]),
    st.one_of(st.none(), offsets),
    at_instants,
)
def test_pausing_never_brings_a_due_earlier(rule_set, log, pause_from, length, hold, solve, at):
    if solve is not None:
        log = [*log, LogEvent(T0 + timedelta(seconds=solve), "status", "solved", "solve")]
    start = T0 + timedelta(seconds=pause_from)
    end = start + timedelta(seconds=length)
    if solve is not None:
        end = min(end, T0 + timedelta(seconds=solve))
    paused = [
        *log,
        LogEvent(start, "status", hold, "hold"),
        LogEvent(end, "status", "open", "resume"),
    ]
    for rule in rule_set:
        rule = ClockRule(
            rule.indicator_id,
            rule.metric,
            "P1",
            rule.target_seconds,
            pause_on=frozenset({hold}),
            calendar=rule.calendar,
        )
        plain = {c.cycle: c for c in clocks_at([rule], log, at)}
        with_pause = {c.cycle: c for c in clocks_at([rule], paused, at)}
        for cycle, clock in with_pause.items():
            if cycle in plain and clock.state != "cancelled":
                assert clock.due_at >= plain[cycle].due_at
