"""Writes of the notification system: queue deliveries with their cause, send each once.

A caller builds ``NotificationDelivery`` rows (unsaved) inside the transaction that records its
cause and hands them to ``deliveries_queue``: they commit or roll back with the cause, and are
sent after commit by the tasks (tasks.py), which send each through ``delivery.py``. A broker that
is down loses nothing: the sweep (``tasks.requeue_lost_deliveries``) sends again what was never
attempted or whose worker died.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from apps.core.errors import TransitionNotAllowed

from . import tasks
from .choices import DeliveryStatus
from .models import NotificationDelivery

logger = logging.getLogger(__name__)


def deliveries_queue(*, deliveries: list[NotificationDelivery]) -> list[NotificationDelivery]:
    """Write the deliveries whose dedup key is new and send them after commit; returns those
    written (a key already present was queued before, by this cause or a concurrent run)."""
    if not deliveries:
        return []
    keys = [delivery.dedup_key for delivery in deliveries]
    # No savepoint of its own: the rows belong to the caller's transaction, with their cause.
    NotificationDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    # ignore_conflicts leaves primary keys unset: read back the rows still to be sent (one
    # queued earlier and not yet attempted is enqueued again, which its claim makes harmless).
    written = list(
        NotificationDelivery.objects.filter(
            dedup_key__in=keys, attempts=0, status=DeliveryStatus.PENDING
        )
    )
    ids = [delivery.pk for delivery in written]
    size = settings.NOTIFICATION_BATCH_SIZE
    for start in range(0, len(ids), size):
        tasks.send_batch(ids[start : start + size])
    return written


def delivery_retry(*, delivery: NotificationDelivery, user) -> NotificationDelivery:
    """Send a failed delivery again (admin action)."""
    if not user.has_perm("notifications.retry_notificationdelivery"):
        raise PermissionDenied("You may not retry notifications.")
    with transaction.atomic():
        locked = NotificationDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != DeliveryStatus.FAILED:
            raise TransitionNotAllowed(
                f"Only failed deliveries can be retried; this one is {locked.get_status_display()}."
            )
        locked.status = DeliveryStatus.PENDING
        locked.save(update_fields=["status"])
        tasks.send_delivery(locked.pk)
    logger.info("Delivery %s queued again by %s.", locked.pk, user)
    return locked
