"""The minute's sweep: the clocks whose next instant has passed, their levels and breaches."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ..choices import ClockState, TicketEventType
from ..models import TicketClock
from .escalations import clocks_next_move, escalations_fire_due
from .events import ticket_event_add


def clocks_evaluate(*, now: datetime | None = None) -> int:
    """Act on every clock whose next instant has passed: fire its escalation levels that fell
    due (each once), make a running clock past its due breached, and move each clock's next
    instant on to its next unfired level, or its due, or nothing. Returns how many clocks
    breached.

    Safe to run twice at once: levels are claimed with skipped locks (escalations_fire_due), and
    the breach is one UPDATE whose row lock and re-checked condition change each clock once.
    """
    now = now or timezone.now()
    touched, reassignments = escalations_fire_due(now=now)
    breached = TicketClock.objects.filter(
        next_at__lte=now, state=ClockState.RUNNING, due_at__lt=now
    ).update(state=ClockState.BREACHED, breached=True, next_at=None, computed_at=now)
    if touched or breached:
        clocks_next_move(now=now)
    for reassignment in reassignments:
        # An event in the ticket's log, as the helpdesk's own reassignment would be.
        ticket_event_add(
            ticket=reassignment.ticket,
            type=TicketEventType.ASSIGNED,
            at=now,
            value=reassignment.group,
            event_id=f"escalation-{reassignment.escalation_id}",
            now=now,
        )
    return breached
