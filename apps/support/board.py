"""Reads of the live board: every clock still counting, most urgent first within each priority.

A clock is on the board until it stops: running, paused, or breached and still running (its
ticket not yet answered or solved). Each gets the ticket list's light (``lights.light`` through
``desk.clock_lights``), so amber and red mean the same on both pages. Time left is business
time, worked out per clock at the instant of the request; the database takes the clocks nearest
their due first, so that a bounded number is read: one query whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet

from .choices import ClockState, SupportPriority
from .desk import Calendars, ClockLight, clock_lights
from .models import TicketClock

# The most clocks one board reads; past it the page says so and the filters narrow it.
BOARD_LIMIT = 200


@dataclass(frozen=True)
class BoardGroup:
    priority: str
    rows: list[ClockLight]

    def count(self, colour: str) -> int:
        return sum(1 for row in self.rows if row.light.colour == colour)

    @property
    def amber(self) -> int:
        return self.count("amber")

    @property
    def red(self) -> int:
        return self.count("red")


@dataclass(frozen=True)
class Board:
    groups: list[BoardGroup]
    shown: int
    more: bool  # more clocks count than BOARD_LIMIT: the least urgent are left out


def counting_clocks() -> QuerySet[TicketClock]:
    """The clocks of the board before its filters, with all a row shows joined."""
    return (
        TicketClock.objects.filter(stopped_at__isnull=True)
        .exclude(state=ClockState.CANCELLED)
        .select_related(
            "ticket__service",
            "ticket__customer",
            "ticket__contract__support_calendar",
            "indicator__calendar",
        )
    )


def board(clocks: QuerySet[TicketClock], *, now: datetime, limit: int = BOARD_LIMIT) -> Board:
    """The board of these clocks at ``now``: one group per priority, P1 first, each ordered by
    business time left (the most overdue first)."""
    taken = list(clocks.order_by(F("due_at").asc(nulls_last=True), "id")[: limit + 1])
    more = len(taken) > limit
    taken = taken[:limit]
    calendars = Calendars(now)
    lit = [row for clock in taken for row in clock_lights(clock.ticket, [clock], calendars, now)]
    lit.sort(key=lambda row: (row.light.remaining_seconds, row.clock.pk))
    groups = [
        BoardGroup(priority, [row for row in lit if row.clock.priority == priority])
        for priority in SupportPriority.values
    ]
    return Board(groups=groups, shown=len(taken), more=more)
