"""Support metrics: per priority, for a service, customer, contract and period.

Four GROUP BY queries, whatever the number of tickets: one over the tickets (count and mean time
to resolve), one over their clocks (met and breached, response time against the target), one
over the escalation levels fired on them, one over the causes given for their breaches.
``breaches_by_cause_of`` counts the same breached clocks for many services and customers at
once, by quarter (the review packets).

- ``tickets``: tickets created in the period, by their current priority.
- ``responded_within_pct`` / ``resolved_within_pct``: of the response (resolution) clocks that
  are decided — stopped, or breached while still running — the share that met their target.
  Cancelled clocks (a priority change) and clocks still running in time are not decided yet.
- ``avg_response_seconds``: the mean business seconds a stopped response clock took;
  ``committed_response_seconds`` the mean target of those clocks.
- ``mttr_seconds``: the mean wall-clock time from creation to the last solve of the solved
  tickets (Zendesk's full resolution time).
- ``escalations``: the escalation levels fired on the clocks, by the clock's priority.
- ``breaches_by_cause``: breached clocks by the cause their support lead gave (``{name:
  count}``); breaches still waiting for a cause are not counted here (see the breaches page).

With a contract, only the clocks of the indicators its lines commit to are counted, so a
contract's figures are measured against what it promises, not against an internal target.
Clocks count by their own priority, tickets by the ticket's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncQuarter

from apps.contracts.models import Commitment

from .choices import ClockMetric, ClockState, SupportPriority
from .models import Ticket, TicketClock

FIELDS = (
    "tickets",
    "responded_within_pct",
    "resolved_within_pct",
    "avg_response_seconds",
    "committed_response_seconds",
    "mttr_seconds",
    "escalations",
    "breaches_by_cause",
)


@dataclass(frozen=True)
class MetricsFilter:
    """What the figures are about; every part optional. ``end`` is the last day included."""

    service: int | None = None
    customer: int | None = None
    contract: int | None = None
    start: date | None = None
    end: date | None = None

    def ticket_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.service is not None:
            q &= Q(**{f"{prefix}service_id": self.service})
        if self.customer is not None:
            q &= Q(**{f"{prefix}customer_id": self.customer})
        if self.contract is not None:
            q &= Q(**{f"{prefix}contract_id": self.contract})
        if self.start is not None:
            q &= Q(**{f"{prefix}created_at__gte": _midnight(self.start)})
        if self.end is not None:
            q &= Q(**{f"{prefix}created_at__lt": _midnight(self.end + timedelta(days=1))})
        return q


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _percent(good: int, decided: int) -> float | None:
    return None if not decided else round(100.0 * good / decided, 2)


def _seconds(value) -> int | None:
    return None if value is None else round(value)


def counted_clocks(filters: MetricsFilter) -> QuerySet[TicketClock]:
    """The clocks the figures count: those of the filtered tickets, never a cancelled one (a
    priority change), and with a contract only those of the indicators its lines commit to."""
    clocks = TicketClock.objects.filter(filters.ticket_q("ticket__")).exclude(
        state=ClockState.CANCELLED
    )
    if filters.contract is not None:
        clocks = clocks.filter(
            indicator__in=Commitment.objects.filter(contract_id=filters.contract).values(
                "indicator"
            )
        )
    return clocks


@dataclass(frozen=True)
class BreachCount:
    """Breached clocks of one quarter (by the ticket's creation, UTC) and one cause; ``cause``
    None: not analysed yet."""

    quarter: date
    cause: str | None
    count: int


def breaches_by_cause_of(
    *, service_ids=(), customer_ids=(), start: date, end: date
) -> dict[tuple[str, int], list[BreachCount]]:
    """The breached clocks of each service's and each customer's tickets created from ``start``
    to ``end`` (the same clocks ``support_metrics`` counts), by quarter and cause, keyed
    ``("service", id)`` and ``("customer", id)``: one GROUP BY for all of them."""
    result: dict[tuple[str, int], list[BreachCount]] = defaultdict(list)
    service_ids, customer_ids = set(service_ids), set(customer_ids)
    if not service_ids and not customer_ids:
        return result
    rows = (
        counted_clocks(MetricsFilter(start=start, end=end))
        .filter(
            Q(ticket__service_id__in=service_ids) | Q(ticket__customer_id__in=customer_ids),
            breached=True,
        )
        .order_by()
        .values(
            "ticket__service_id",
            "ticket__customer_id",
            "breach_review__cause__name",
            quarter=TruncQuarter("ticket__created_at", tzinfo=UTC),
        )
        .annotate(count=Count("id"))
    )
    for row in rows:
        quarter = row["quarter"]
        quarter = quarter.date() if isinstance(quarter, datetime) else quarter
        count = BreachCount(quarter, row["breach_review__cause__name"], row["count"])
        if row["ticket__service_id"] in service_ids:
            result[("service", row["ticket__service_id"])].append(count)
        if row["ticket__customer_id"] in customer_ids:
            result[("customer", row["ticket__customer_id"])].append(count)
    return result


def support_metrics(filters: MetricsFilter) -> dict[str, dict]:
    """``{"P1": {tickets, responded_within_pct, …}, …, "P4": …}`` for the filtered tickets."""
    by_priority = {
        priority: {
            "tickets": 0,
            "responded_within_pct": None,
            "resolved_within_pct": None,
            "avg_response_seconds": None,
            "committed_response_seconds": None,
            "mttr_seconds": None,
            "escalations": 0,
            "breaches_by_cause": {},
        }
        for priority in SupportPriority.values
    }
    tickets = (
        Ticket.objects.filter(filters.ticket_q())
        .order_by()
        .values("priority")
        .annotate(count=Count("id"), mttr=Avg("full_resolution_seconds"))
    )
    for row in tickets:
        figures = by_priority[row["priority"]]
        figures["tickets"] = row["count"]
        figures["mttr_seconds"] = _seconds(row["mttr"])

    clocks = counted_clocks(filters)
    stopped = Q(stopped_at__isnull=False)
    decided = stopped | Q(breached=True)
    rows = (
        clocks.order_by()
        .values("priority", "metric")
        .annotate(
            decided=Count("id", filter=decided),
            met=Count("id", filter=stopped & Q(breached=False)),
            elapsed=Avg("business_elapsed_seconds", filter=stopped),
            target=Avg("target_seconds", filter=stopped),
        )
    )
    for row in rows:
        figures = by_priority[row["priority"]]
        if row["metric"] == ClockMetric.RESPONSE:
            figures["responded_within_pct"] = _percent(row["met"], row["decided"])
            figures["avg_response_seconds"] = _seconds(row["elapsed"])
            figures["committed_response_seconds"] = _seconds(row["target"])
        else:
            figures["resolved_within_pct"] = _percent(row["met"], row["decided"])
    fired = (
        clocks.filter(escalations__fired_at__isnull=False)
        .order_by()
        .values("priority")
        .annotate(count=Count("escalations"))
    )
    for row in fired:
        by_priority[row["priority"]]["escalations"] = row["count"]
    causes = (
        clocks.filter(breached=True, breach_review__isnull=False)
        .order_by()
        .values("priority", "breach_review__cause__name")
        .annotate(count=Count("id"))
    )
    for row in causes:
        cause = row["breach_review__cause__name"]
        by_priority[row["priority"]]["breaches_by_cause"][cause] = row["count"]
    return by_priority
