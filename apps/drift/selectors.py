"""Reads about drift: whether a commitment is DRIFTED (an unresolved event), and event lists.

DRIFTED is derived, never stored on the commitment: ``annotate_drifted`` adds it to any
commitment queryset as one EXISTS subquery, so lists stay within their query budget.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.contracts.models import Commitment
from apps.notifications.models import NotificationDelivery

from .models import DriftEvent


def open_events() -> QuerySet[DriftEvent]:
    return DriftEvent.objects.filter(resolved_at__isnull=True)


def annotate_drifted(queryset: QuerySet[Commitment]) -> QuerySet[Commitment]:
    """Adds ``drifted`` (bool) to each commitment: it has at least one unresolved event."""
    return queryset.annotate(drifted=Exists(open_events().filter(commitment=OuterRef("pk"))))


def is_drifted(commitment: Commitment) -> bool:
    if hasattr(commitment, "drifted"):
        return commitment.drifted
    return open_events().filter(commitment=commitment).exists()


def drifted_commitment_ids(commitment_ids=None) -> set[int]:
    """Ids of drifted commitments (among ``commitment_ids`` when given), in one query."""
    events = open_events()
    if commitment_ids is not None:
        events = events.filter(commitment_id__in=list(commitment_ids))
    return set(events.values_list("commitment_id", flat=True).distinct())


def events_for_commitment(commitment: Commitment) -> QuerySet[DriftEvent]:
    """Newest first, with how their notices fared, for a commitment's drift panel."""
    return (
        DriftEvent.objects.filter(commitment=commitment)
        .select_related("resolved_by")
        .annotate(
            deliveries_sent=Count("deliveries", filter=Q(deliveries__status="sent")),
            deliveries_failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        )
    )


def event_list(*, kind: str | None = None, resolved: bool | None = None) -> QuerySet[DriftEvent]:
    events = DriftEvent.objects.select_related(
        "commitment__contract__customer", "commitment__indicator__service", "resolved_by"
    )
    if kind:
        events = events.filter(kind=kind)
    if resolved is not None:
        events = events.filter(resolved_at__isnull=not resolved)
    return events


def deliveries_for_event(event: DriftEvent) -> QuerySet[NotificationDelivery]:
    return NotificationDelivery.objects.filter(drift_event=event).select_related("channel")
