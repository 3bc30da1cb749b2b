"""Reads of the built-in ticket list: the tickets a page shows, their clocks and their lights.

A fixed number of queries whatever the number of tickets: the tickets (with service, customer
and the contract's support calendar joined), then all their clocks (with each indicator's
calendar joined). Calendars are turned into the pure maths' form once per calendar per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from apps.calendars.business_time import ALWAYS_OPEN, BusinessCalendar

from .choices import SOLVED_STATUSES
from .lights import Light, light
from .models import Ticket, TicketClock

PAGE_SIZE = 50


@dataclass(frozen=True)
class ClockLight:
    clock: TicketClock
    light: Light


@dataclass(frozen=True)
class DeskRow:
    ticket: Ticket
    clocks: list[ClockLight]


class Calendars:
    """Each calendar model converted once, with the holidays of the years around ``now``."""

    def __init__(self, now: datetime):
        self.years = tuple(range(now.year - 1, now.year + 2))
        self.converted: dict[int, BusinessCalendar] = {}

    def of(self, clock: TicketClock, ticket: Ticket) -> BusinessCalendar:
        indicator = clock.indicator
        if indicator.calendar_id is None:
            return ALWAYS_OPEN
        model = indicator.calendar
        # A contract's support calendar replaces every business-hours calendar.
        if ticket.contract_id and ticket.contract.support_calendar_id:
            model = ticket.contract.support_calendar
        if model.pk not in self.converted:
            self.converted[model.pk] = model.business_calendar(years=self.years)
        return self.converted[model.pk]


def clock_lights(ticket: Ticket, clocks, calendars: Calendars, now: datetime) -> list[ClockLight]:
    return [
        ClockLight(
            clock,
            light(
                state=clock.state,
                target_seconds=clock.target_seconds,
                elapsed_seconds=clock.business_elapsed_seconds,
                computed_at=clock.computed_at,
                breached=clock.breached,
                stopped=clock.stopped_at is not None,
                calendar=calendars.of(clock, ticket),
                now=now,
            ),
        )
        for clock in clocks
    ]


def desk_tickets(*, now: datetime, show: str = "open", limit: int = PAGE_SIZE) -> list[DeskRow]:
    """The newest tickets (``open``: not solved or closed; ``all``) with their clocks' lights."""
    tickets = Ticket.objects.select_related("service", "customer", "contract__support_calendar")
    if show == "open":
        tickets = tickets.exclude(status__in=sorted(SOLVED_STATUSES))
    clocks = TicketClock.objects.select_related("indicator__calendar").order_by(
        "-metric", "indicator__name", "cycle"
    )
    tickets = tickets.prefetch_related(Prefetch("clocks", queryset=clocks)).order_by(
        "-created_at", "-id"
    )[:limit]
    calendars = Calendars(now)
    return [
        DeskRow(ticket, clock_lights(ticket, ticket.clocks.all(), calendars, now))
        for ticket in tickets
    ]
