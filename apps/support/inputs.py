"""The pure clock function's inputs, read from the database: a ticket's rules and its log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from apps.calendars.business_time import ALWAYS_OPEN, BusinessCalendar
from apps.catalog.models import Indicator

from .choices import DEFAULT_PAUSE_ON, METRIC_OF_KIND, SUPPORT_KINDS, OnReopen
from .clocks import ClockRule, LogEvent
from .models import Ticket, TicketEvent


def support_indicators(service_ids: Iterable[int]):
    """The support indicators of these services that can run a clock (a priority and a target)."""
    return (
        Indicator.objects.filter(
            service_id__in=list(service_ids),
            kind__in=sorted(SUPPORT_KINDS),
            priority__isnull=False,
            threshold__isnull=False,
        )
        .select_related("calendar")
        .order_by("kind", "priority", "id")
    )


def rule_of(indicator: Indicator, calendar: BusinessCalendar) -> ClockRule:
    """The clock rule of a support indicator: its threshold is in minutes."""
    pause_on = indicator.pause_on
    if pause_on is None:
        pause_on = DEFAULT_PAUSE_ON[indicator.kind]
    return ClockRule(
        indicator_id=indicator.pk,
        metric=str(METRIC_OF_KIND[indicator.kind]),
        priority=indicator.priority,
        target_seconds=int(indicator.threshold * 60),
        pause_on=frozenset(pause_on),
        on_reopen=indicator.on_reopen or OnReopen.CONTINUE,
        retroactive_start=indicator.retroactive_start,
        calendar=calendar,
    )


def clock_rules(
    *,
    ticket: Ticket,
    until: datetime,
    indicators: list[Indicator] | None = None,
    calendars: dict | None = None,
) -> list[ClockRule]:
    """The rules of every support indicator of the ticket's service.

    A business-hours indicator runs on the calendar of the ticket's contract when the contract
    names one (the customer's hours and zone); a 24x7 one (no calendar) stays 24x7.
    ``indicators`` and ``calendars`` (a cache of converted calendars) let a bulk caller share
    its reads between tickets.
    """
    if indicators is None:
        indicators = list(support_indicators([ticket.service_id]))
    calendars = {} if calendars is None else calendars
    years = tuple(range(ticket.created_at.year - 1, max(until.year, ticket.created_at.year) + 2))
    rules = []
    for indicator in indicators:
        calendar = clock_calendar(
            ticket=ticket, indicator=indicator, years=years, calendars=calendars
        )
        rules.append(rule_of(indicator, calendar))
    return rules


def clock_calendar(
    *, ticket: Ticket, indicator: Indicator, years: tuple[int, ...], calendars: dict
) -> BusinessCalendar:
    """The calendar a clock of this indicator runs on for this ticket: the contract's support
    calendar over a business-hours indicator's own, 24x7 for an indicator without one.
    ``calendars`` caches the converted calendars by (calendar id, years)."""
    if indicator.calendar_id is None:
        return ALWAYS_OPEN
    override = ticket.contract.support_calendar if ticket.contract_id else None
    model = override or indicator.calendar
    key = (model.pk, years)
    if key not in calendars:
        calendars[key] = model.business_calendar(years=years)
    return calendars[key]


def log_key(pk: int) -> str:
    """The tie-break key of an event the source gave no id: its row id, which is stable."""
    return f"~{pk:020d}"


def log_event(event: TicketEvent) -> LogEvent:
    return LogEvent(event.at, event.type, event.value, event.event_id or log_key(event.pk))


def ticket_log(*, ticket: Ticket) -> list[LogEvent]:
    """The ticket's whole log, as the clock function takes it."""
    return [log_event(e) for e in TicketEvent.objects.filter(ticket=ticket).order_by()]
