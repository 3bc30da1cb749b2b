"""Writes of the notification system: queue deliveries with their cause, send each once.

A caller builds ``NotificationDelivery`` rows (unsaved) inside the transaction that records its
cause and hands them to ``deliveries_queue``: they commit or roll back with the cause, and are
sent after commit. A broker that is down loses nothing: ``deliveries_requeue_lost`` sends again
what was never attempted or whose worker died.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.errors import TransitionNotAllowed

from . import senders
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
    for delivery in written:
        _enqueue(delivery.pk)
    return written


def _enqueue(delivery_id: int, countdown: int | None = None) -> None:
    """Send after commit; a broker that is down loses no notice (the sweeper re-enqueues it)."""
    from .tasks import deliver_notification

    def send():
        deliver_notification.apply_async((delivery_id,), countdown=countdown)

    transaction.on_commit(send, robust=True)


def delivery_attempt(*, delivery_id: int, final_attempt: bool) -> str:
    """Send one delivery once: claim it, send, record the outcome; returns the new status.

    Raises TransientDeliveryError (after recording it) when a retry may succeed and this was
    not the last attempt; the task retries on it with backoff.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    # The claim is one conditional UPDATE: of two workers holding the same task, one sends.
    claimed = (
        NotificationDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
        )
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if not claimed:
        logger.info("Delivery %s is not pending: nothing to send.", delivery_id)
        return "skipped"
    delivery = NotificationDelivery.objects.select_related("channel").get(pk=delivery_id)
    try:
        response = senders.send(delivery)
    except senders.PermanentDeliveryError as error:
        return _record_failure(delivery, error, final=True)
    except senders.TransientDeliveryError as error:
        status = _record_failure(delivery, error, final=final_attempt)
        if final_attempt:
            return status
        raise
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        response_status=response.status,
        response_body=response.body,
    )
    logger.info("Delivery %s sent to %s (%s).", delivery.pk, delivery.target, delivery.kind)
    return DeliveryStatus.SENT


def _record_failure(delivery: NotificationDelivery, error: Exception, *, final: bool) -> str:
    status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        last_error=str(error)[:2000],
        response_status=getattr(error, "status", None),
        response_body=getattr(error, "body", ""),
    )
    log = logger.error if final else logger.warning
    log(
        "Delivery %s to %s failed (attempt %s%s): %s",
        delivery.pk,
        delivery.target,
        delivery.attempts,
        ", giving up" if final else ", will retry",
        error,
    )
    return status


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
        _enqueue(locked.pk)
    logger.info("Delivery %s queued again by %s.", locked.pk, user)
    return locked


def deliveries_requeue_lost(*, now: datetime | None = None) -> int:
    """Enqueue again what was never attempted (broker down at commit) or whose worker died."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    ids = list(
        NotificationDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, attempts=0, created_at__lt=grace)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=grace)
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for pk in ids:
            _enqueue(pk)
    return len(ids)
