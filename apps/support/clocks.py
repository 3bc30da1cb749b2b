"""A ticket's SLA clocks as a pure function of its rules, their calendars and its whole event log.

No Django here: ``clocks_at(rules, log, at)`` replays the log (sorted inside, so the order in
which events arrived does not matter) up to ``at`` and answers every clock with its readings.
The services store the answer; nothing is ever patched incrementally
(docs/decisions/0001-clocks-from-the-log.md).

The rules, per support indicator (one ``ClockRule`` each):

- A clock runs while the ticket has the rule's priority. Response starts at creation and stops
  at the first public reply; resolution starts at creation and stops at ``solved`` or
  ``closed``. A ticket solved before anyone replied stops its response clock too.
- It pauses while the status is in ``pause_on``, and business time only passes inside calendar
  hours. ``paused_seconds`` counts the business seconds that passed while paused.
- A priority change cancels the running clocks of the old priority (a clock that already
  stopped keeps its result) and starts the new priority's, counting from the start of the cycle
  (the creation) when ``retroactive_start``, with the pauses the status history accrued; else
  from the change.
- A reopen (leaving ``solved``/``closed``): with ``continue`` the clock that the solve stopped
  runs on and the solved span counts as paused; with ``new_cycle`` that clock keeps its result
  and a new clock (the next cycle) starts at the reopen, a response clock waiting for the next
  public reply.
- The due is the instant the target's business seconds run out (at a closing instant when they
  run out exactly there). While paused, it is where the due would be if the clock resumed at
  ``at``, so a pause only ever moves it later. A clock is breached once an instant after its due
  passed while it ran or waited; one stopped exactly at its due is met.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from apps.calendars.business_time import (
    ALWAYS_OPEN,
    BusinessCalendar,
    business_microseconds_between,
    due_after,
)

RESPONSE, RESOLUTION = "response", "resolution"
CONTINUE, NEW_CYCLE = "continue", "new_cycle"
CREATED, STATUS, PRIORITY, PUBLIC_REPLY = "created", "status", "priority", "public_reply"
SOLVED_STATUSES = frozenset({"solved", "closed"})
RUNNING, PAUSED, MET, BREACHED, CANCELLED = "running", "paused", "met", "breached", "cancelled"

_US = 1_000_000


@dataclass(frozen=True)
class ClockRule:
    """What one support indicator asks of a ticket's clock."""

    indicator_id: int
    metric: str  # response | resolution
    priority: str
    target_seconds: int
    pause_on: frozenset[str] = frozenset()
    on_reopen: str = CONTINUE
    retroactive_start: bool = True
    calendar: BusinessCalendar = ALWAYS_OPEN


@dataclass(frozen=True)
class LogEvent:
    """One event of the log. ``value``: for ``created`` a dict with ``priority`` and ``status``
    (default ``open``); the new status or priority for those types; anything for the others.
    ``key`` (the source's event id) only breaks ties between events at the same instant."""

    at: datetime
    type: str
    value: object = None
    key: str = ""


@dataclass(frozen=True)
class ClockReading:
    """One clock as of an instant: the readings of ``GET /tickets/{id}/clocks/``."""

    indicator_id: int
    metric: str
    priority: str
    cycle: int
    state: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    business_elapsed_seconds: int
    paused_seconds: int
    remaining_seconds: int
    percent_elapsed: float
    breached: bool
    target_seconds: int

    @property
    def next_at(self) -> datetime | None:
        """The next instant something happens to the clock without a new event: its due while
        it runs towards it; nothing when it is paused, past its due or stopped."""
        return self.due_at if self.state == RUNNING else None


@dataclass(frozen=True)
class TicketReadings:
    """What the log says of the ticket itself as of an instant (None before its creation)."""

    created_at: datetime
    status: str
    priority: str
    assignee: str | None
    reopens: int
    first_resolution_seconds: int | None
    full_resolution_seconds: int | None


def _order(event: LogEvent) -> tuple:
    # A total order that does not depend on arrival: the creation first at its instant, then the
    # rest by their source ids and content.
    return (
        event.at,
        event.type != CREATED,
        event.key,
        event.type,
        _value_key(event.value),
    )


def _value_key(value) -> str:
    # Most values are text (a status, a priority): only the others need writing out.
    if type(value) is str:
        return value
    return json.dumps(value, sort_keys=True, default=str)


def replay_order(log: Iterable[LogEvent], at: datetime | None = None) -> list[LogEvent]:
    """The events that count, in the order they are replayed: from the (first) creation on,
    up to and including ``at``."""
    events = sorted((e for e in log if at is None or e.at <= at), key=_order)
    first = next((i for i, e in enumerate(events) if e.type == CREATED), None)
    if first is None:
        return []
    return [events[first]] + [e for e in events[first + 1 :] if e.type != CREATED]


def _created(event: LogEvent) -> tuple[str, str]:
    value = event.value if isinstance(event.value, dict) else {}
    return value.get("status") or "open", value.get("priority") or ""


def _phases(events: Sequence[LogEvent]) -> list[tuple[datetime, str, str]]:
    """(from, status, priority) each time either changes, from the creation on."""
    status, priority = _created(events[0])
    phases = [(events[0].at, status, priority)]
    for event in events[1:]:
        if event.type == STATUS:
            status = str(event.value)
        elif event.type == PRIORITY:
            priority = str(event.value)
        else:
            continue
        if (status, priority) != phases[-1][1:]:
            phases.append((event.at, status, priority))
    return phases


def ticket_readings(log: Iterable[LogEvent], at: datetime | None = None) -> TicketReadings | None:
    """The ticket's status, priority, assignee, reopens and wall-clock resolution times."""
    events = replay_order(log, at)
    if not events:
        return None
    created_at = events[0].at
    status, priority = _created(events[0])
    assignee = None
    reopens = 0
    solves: list[datetime] = [created_at] if status in SOLVED_STATUSES else []
    for event in events[1:]:
        if event.type == STATUS:
            new = str(event.value)
            if status in SOLVED_STATUSES and new not in SOLVED_STATUSES:
                reopens += 1
            elif new in SOLVED_STATUSES and status not in SOLVED_STATUSES:
                solves.append(event.at)
            status = new
        elif event.type == PRIORITY:
            priority = str(event.value)
        elif event.type == "assigned":
            assignee = None if event.value is None else str(event.value)

    def seconds(moment):
        return int((moment - created_at).total_seconds())

    return TicketReadings(
        created_at=created_at,
        status=status,
        priority=priority,
        assignee=assignee,
        reopens=reopens,
        first_resolution_seconds=seconds(solves[0]) if solves else None,
        full_resolution_seconds=seconds(solves[-1]) if solves else None,
    )


@dataclass
class _Life:
    """A clock's lifetime: it counts from ``count_from`` until ``end`` (None: still counting)."""

    cycle: int
    count_from: datetime
    end: datetime | None = None
    end_reason: str = ""  # reply | solved | cancelled


def _lives(rule: ClockRule, events: Sequence[LogEvent]) -> list[_Life]:
    """When each clock of the rule counts, from the replayed log."""
    lives: list[_Life] = []
    active: _Life | None = None
    status, priority = _created(events[0])
    epoch = events[0].at
    replied = False

    def wanted():
        if priority != rule.priority or status in SOLVED_STATUSES:
            return False
        return not (rule.metric == RESPONSE and replied)

    def start(moment):
        count_from = epoch if rule.retroactive_start else moment
        lives.append(_Life(cycle=len(lives) + 1, count_from=count_from))
        return lives[-1]

    if wanted():
        active = start(epoch)
    for event in events[1:]:
        reopened = False
        if event.type == STATUS:
            new = str(event.value)
            reopened = status in SOLVED_STATUSES and new not in SOLVED_STATUSES
            status = new
        elif event.type == PRIORITY:
            priority = str(event.value)
        elif event.type == PUBLIC_REPLY:
            replied = True
        else:
            continue
        if reopened and rule.on_reopen == NEW_CYCLE:
            epoch, replied = event.at, False
        if active is not None and not wanted():
            if priority != rule.priority:
                active.end, active.end_reason = event.at, "cancelled"
            elif status in SOLVED_STATUSES:
                active.end, active.end_reason = event.at, "solved"
            else:
                active.end, active.end_reason = event.at, "reply"
            active = None
        elif active is None and wanted():
            last = lives[-1] if lives else None
            if (
                reopened
                and rule.on_reopen == CONTINUE
                and last is not None
                and last.end_reason == "solved"
            ):
                last.end, last.end_reason = None, ""
                active = last
            else:
                active = start(event.at)
    return lives


def _measure(rule: ClockRule, life: _Life, phases, horizon: datetime):
    """(elapsed µs, paused µs, due, paused at the horizon) of a clock counted up to ``horizon``."""
    calendar, target_us = rule.calendar, rule.target_seconds * _US
    elapsed = paused = 0
    due = None
    paused_now = False
    for index, (since, status, _) in enumerate(phases):
        if since > horizon:
            break
        is_paused = status in rule.pause_on or status in SOLVED_STATUSES
        paused_now = is_paused
        until = phases[index + 1][0] if index + 1 < len(phases) else horizon
        low, high = max(since, life.count_from), min(until, horizon)
        if high <= low:
            continue
        span = business_microseconds_between(calendar, low, high)
        if is_paused:
            paused += span
            continue
        if due is None and elapsed + span >= target_us:
            due = due_after(calendar, low, (target_us - elapsed) / _US)
        elapsed += span
    if due is None:
        due = due_after(calendar, horizon, (target_us - elapsed) / _US)
    return elapsed, paused, due, paused_now


def clocks_at(
    rules: Iterable[ClockRule], log: Iterable[LogEvent], at: datetime
) -> list[ClockReading]:
    """Every clock of the ticket as of ``at``, per rule in the given order, then per cycle."""
    events = replay_order(log, at)
    if not events:
        return []
    phases = _phases(events)
    readings = []
    for rule in rules:
        for life in _lives(rule, events):
            horizon = life.end or at
            elapsed, paused, due, paused_now = _measure(rule, life, phases, horizon)
            breached = horizon > due
            if life.end_reason == "cancelled":
                state = CANCELLED
            elif breached:
                state = BREACHED
            elif life.end is not None:
                state = MET
            else:
                state = PAUSED if paused_now else RUNNING
            elapsed_seconds = elapsed // _US
            target = rule.target_seconds
            readings.append(
                ClockReading(
                    indicator_id=rule.indicator_id,
                    metric=rule.metric,
                    priority=rule.priority,
                    cycle=life.cycle,
                    state=state,
                    started_at=life.count_from,
                    due_at=due,
                    stopped_at=life.end,
                    business_elapsed_seconds=elapsed_seconds,
                    paused_seconds=paused // _US,
                    remaining_seconds=target - elapsed_seconds,
                    percent_elapsed=round(100 * elapsed / (target * _US), 2) if target else 100.0,
                    breached=breached,
                    target_seconds=target,
                )
            )
    return readings
