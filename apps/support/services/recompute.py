"""A ticket's clocks worked out again from its whole log and stored, their escalation levels
placed, and the SLI samples they feed counted again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from apps.contracts.models import Contract
from apps.core.bulk import rows_insert, rows_update
from apps.measurements.services import SampleRow, samples_upsert

from ..choices import ClockState
from ..clocks import ClockReading, LogEvent, clocks_at, ticket_readings
from ..inputs import clock_rules, log_key, support_indicators
from ..models import Ticket, TicketClock, TicketEvent
from .escalations import escalations_plan

HOUR = timedelta(hours=1)
# A stopped clock counts one event in its indicator's sample of the hour it stopped in.
COUNTED_STATES = (ClockState.MET, ClockState.BREACHED)


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _counted_bucket(indicator_id: int, state: str, stopped_at: datetime | None):
    if stopped_at is None or state not in COUNTED_STATES:
        return None
    return (indicator_id, _hour(stopped_at))


def _clock_fields(reading: ClockReading, now: datetime) -> dict:
    return {
        "metric": reading.metric,
        "priority": reading.priority,
        "state": reading.state,
        "started_at": reading.started_at,
        "due_at": reading.due_at,
        "stopped_at": reading.stopped_at,
        "business_elapsed_seconds": reading.business_elapsed_seconds,
        "paused_seconds": reading.paused_seconds,
        "target_seconds": reading.target_seconds,
        "breached": reading.breached,
        "next_at": reading.next_at,
        "computed_at": now,
    }


def clocks_recompute(*, ticket: Ticket, now: datetime | None = None) -> list[TicketClock]:
    """Work the ticket's clocks out again from its whole log, store them, bring the ticket's own
    readings (status, priority, assignee, reopens, resolution times) in line with the log, and
    count again the SLI samples of every hour whose stopped clocks changed."""
    clocks_recompute_many(tickets=[ticket], now=now)
    return list(ticket.clocks.order_by("metric", "indicator_id", "cycle"))


def clocks_recompute_many(*, tickets: list[Ticket], now: datetime | None = None) -> None:
    """``clocks_recompute`` for many tickets, sharing the reads of indicators and calendars."""
    if not tickets:
        return
    now = now or timezone.now()
    by_service = defaultdict(list)
    for indicator in support_indicators({t.service_id for t in tickets}):
        by_service[indicator.service_id].append(indicator)
    ids = [t.pk for t in tickets]
    logs = defaultdict(list)
    rows = TicketEvent.objects.filter(ticket_id__in=ids).order_by()
    for ticket_id, pk, at, type, value, event_id in rows.values_list(
        "ticket_id", "id", "at", "type", "value", "event_id"
    ):
        logs[ticket_id].append(LogEvent(at, type, value, event_id or log_key(pk)))
    stored = defaultdict(dict)
    for clock in TicketClock.objects.filter(ticket_id__in=ids).order_by():
        stored[clock.ticket_id][(clock.indicator_id, clock.cycle)] = clock
    contracts = {
        c.pk: c
        for c in Contract.objects.filter(
            pk__in={t.contract_id for t in tickets if t.contract_id}
        ).select_related("support_calendar")
    }
    calendars: dict = {}
    to_create, to_update, to_delete = [], [], []
    clock_calendars = {}
    buckets: set[tuple[int, datetime]] = set()
    ticket_changes = []
    for ticket in tickets:
        log = logs[ticket.pk]
        if ticket.contract_id:
            ticket.contract = contracts[ticket.contract_id]
        at = max([now, *(e.at for e in log)])
        rules = clock_rules(
            ticket=ticket, until=at, indicators=by_service[ticket.service_id], calendars=calendars
        )
        for rule in rules:
            clock_calendars[(ticket.pk, rule.indicator_id)] = rule.calendar
        old = stored[ticket.pk]
        for reading in clocks_at(rules, log, at):
            fields = _clock_fields(reading, now)
            key = (reading.indicator_id, reading.cycle)
            new_bucket = _counted_bucket(reading.indicator_id, reading.state, reading.stopped_at)
            clock = old.pop(key, None)
            if clock is None:
                to_create.append(
                    TicketClock(
                        ticket=ticket,
                        indicator_id=reading.indicator_id,
                        cycle=reading.cycle,
                        **fields,
                    )
                )
                buckets.add(new_bucket)
                continue
            old_bucket = _counted_bucket(clock.indicator_id, clock.state, clock.stopped_at)
            if old_bucket != new_bucket or (old_bucket and clock.state != reading.state):
                buckets.update({old_bucket, new_bucket})
            for name, value in fields.items():
                setattr(clock, name, value)
            to_update.append(clock)
        for clock in old.values():
            buckets.add(_counted_bucket(clock.indicator_id, clock.state, clock.stopped_at))
            to_delete.append(clock.pk)
        if ticket_readings_apply(ticket=ticket, log=log):
            ticket.updated_at = now
            ticket_changes.append(ticket)
    if to_delete:
        TicketClock.objects.filter(pk__in=to_delete).delete()
    rows_insert(TicketClock, to_create)
    rows_update(TicketClock, to_update, _CLOCK_FIELDS)
    rows_update(Ticket, ticket_changes, (*TICKET_READINGS, "updated_at"))
    buckets.discard(None)
    support_samples_recount(buckets=buckets)
    escalations_plan(tickets=tickets, calendars=clock_calendars)


# What the log says of the ticket itself, rewritten from it on every recomputation.
TICKET_READINGS = (
    "status",
    "priority",
    "assignee",
    "reopens",
    "first_resolution_seconds",
    "full_resolution_seconds",
)


def ticket_readings_apply(*, ticket: Ticket, log) -> bool:
    """Set the ticket's status, priority, assignee, reopens and resolution times to what its
    log says (in memory); whether anything changed."""
    readings = ticket_readings(log)
    if readings is None:
        return False
    assignee = ticket.assignee if readings.assignee is None else readings.assignee[:150]
    values = {
        "status": readings.status,
        "priority": readings.priority,
        "assignee": assignee,
        "reopens": readings.reopens,
        "first_resolution_seconds": readings.first_resolution_seconds,
        "full_resolution_seconds": readings.full_resolution_seconds,
    }
    changed = any(getattr(ticket, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(ticket, name, value)
    return changed


_CLOCK_FIELDS = (
    "metric",
    "priority",
    "state",
    "started_at",
    "due_at",
    "stopped_at",
    "business_elapsed_seconds",
    "paused_seconds",
    "target_seconds",
    "breached",
    "next_at",
    "computed_at",
)


def support_samples_recount(*, buckets: Iterable[tuple[int, datetime]]) -> int:
    """Count again the hourly SLI samples of these (indicator, hour start) buckets from the
    stopped clocks: total = the clocks that stopped in the hour, good = those met. A bucket left
    without clocks is written as 0/0 (no data), so a corrected log corrects its sample."""
    buckets = {(indicator_id, _hour(start)) for indicator_id, start in buckets}
    if not buckets:
        return 0
    # One range per indicator, from its first hour to its last: an OR of every hour costs more
    # to build than the hours in between cost to count, and they are dropped below.
    spans: dict[int, list[datetime]] = {}
    for indicator_id, start in buckets:
        low_high = spans.setdefault(indicator_id, [start, start])
        low_high[0], low_high[1] = min(low_high[0], start), max(low_high[1], start)
    match = Q()
    for indicator_id, (low, high) in spans.items():
        match |= Q(indicator_id=indicator_id, stopped_at__gte=low, stopped_at__lt=high + HOUR)
    counts = {bucket: (0, 0) for bucket in buckets}
    per_hour = (
        TicketClock.objects.filter(match, state__in=COUNTED_STATES)
        .annotate(hour=TruncHour("stopped_at", tzinfo=UTC))
        .order_by()
        .values("indicator_id", "hour")
        .annotate(good=Count("id", filter=Q(state=ClockState.MET)), total=Count("id"))
    )
    for row in per_hour:
        bucket = (row["indicator_id"], _hour(row["hour"]))
        if bucket in counts:
            counts[bucket] = (row["good"], row["total"])
    rows = [
        SampleRow(indicator_id, start, start + HOUR, good, total)
        for (indicator_id, start), (good, total) in sorted(counts.items())
    ]
    samples_upsert(rows=rows)
    return len(rows)
