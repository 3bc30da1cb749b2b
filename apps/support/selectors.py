"""Reads of the support desk: a ticket's default contract, its clocks as of an instant, its
escalations, and the breaches still waiting for a cause."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet

from apps.catalog.models import Customer, Service
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract
from apps.notifications.models import NotificationDelivery

from .clocks import ClockReading, clocks_at
from .inputs import clock_rules, ticket_log
from .models import Escalation, Ticket, TicketClock


def contract_in_force(*, customer: Customer | None, service: Service, on: date) -> Contract | None:
    """The customer's signed contract in force on ``on`` with a line on one of the service's
    indicators (the latest revision if several are), or None."""
    if customer is None:
        return None
    return (
        Contract.objects.filter(
            customer=customer,
            status=ContractStatus.SIGNED,
            start_date__lte=on,
            commitments__indicator__service=service,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-start_date", "-revision", "-id")
        .distinct()
        .first()
    )


def ticket_clocks_at(*, ticket: Ticket, at: datetime) -> list[tuple[int | None, ClockReading]]:
    """Every clock of the ticket as of ``at``, worked out from its log, with the id of the stored
    clock of the same indicator and cycle (None for a clock not stored: one that ``at`` in the
    future would start, or stored clocks not yet recomputed)."""
    readings = clocks_at(clock_rules(ticket=ticket, until=at), ticket_log(ticket=ticket), at)
    ids = {
        (indicator_id, cycle): pk
        for pk, indicator_id, cycle in ticket.clocks.values_list("id", "indicator_id", "cycle")
    }
    return [(ids.get((r.indicator_id, r.cycle)), r) for r in readings]


def ticket_escalations(*, ticket: Ticket) -> list[Escalation]:
    """The levels fired on the ticket's clocks, in firing order, with their deliveries."""
    return list(
        Escalation.objects.filter(clock__ticket=ticket, fired_at__isnull=False)
        .prefetch_related(
            Prefetch("deliveries", queryset=NotificationDelivery.objects.order_by("id"))
        )
        .order_by("fired_at", "position", "id")
    )


def clock_escalations(*, clock_ids) -> dict[int, list[Escalation]]:
    """Each clock's levels, fired or not, in the policy's order, with their level and the
    deliveries they wrote (channel included): clock id → rows, in two queries however many."""
    by_clock: dict[int, list[Escalation]] = {}
    clock_ids = [pk for pk in clock_ids if pk]
    if not clock_ids:
        return by_clock
    deliveries = NotificationDelivery.objects.select_related("channel").order_by("id")
    rows = (
        Escalation.objects.filter(clock_id__in=clock_ids)
        .select_related("level")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("clock_id", "position")
    )
    for row in rows:
        by_clock.setdefault(row.clock_id, []).append(row)
    return by_clock


def breaches_unanalysed() -> QuerySet[TicketClock]:
    """Breached clocks nobody has given a cause for yet, oldest breach first."""
    return (
        TicketClock.objects.filter(breached=True, breach_review__isnull=True)
        .select_related("ticket__service", "ticket__customer", "indicator")
        .order_by("due_at", "id")
    )
