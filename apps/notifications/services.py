"""Writes of the notification system: queue deliveries with their cause, send each once.

A caller builds ``NotificationDelivery`` rows (unsaved) inside the transaction that records its
cause and hands them to ``deliveries_queue``: they commit or roll back with the cause, and are
sent after commit. A broker that is down loses nothing: ``deliveries_requeue_lost`` sends again
what was never attempted or whose worker died.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.bulk import rows_update
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
    ids = [delivery.pk for delivery in written]
    size = settings.NOTIFICATION_BATCH_SIZE
    for start in range(0, len(ids), size):
        _enqueue_batch(ids[start : start + size])
    return written


def _enqueue_batch(delivery_ids: list[int]) -> None:
    """First attempts go out together after commit: a level that falls due on many clocks at
    once costs a few commits, not two per notice."""
    from .tasks import deliver_notifications

    def send():
        deliver_notifications.delay(delivery_ids)

    transaction.on_commit(send, robust=True)


def _enqueue(delivery_id: int, countdown: int | None = None, retries: int = 0) -> None:
    """Send after commit; a broker that is down loses no notice (the sweeper re-enqueues it)."""
    from .tasks import deliver_notification

    def send():
        deliver_notification.apply_async((delivery_id,), countdown=countdown, retries=retries)

    transaction.on_commit(send, robust=True)


def deliveries_send(*, delivery_ids: list[int]) -> dict[str, int]:
    """The first attempt of many deliveries: claim them in one statement, send them side by
    side, record the outcomes in a few statements. What failed in a way a retry may fix goes
    to ``deliver_notification`` one by one, with backoff; returns the count per outcome."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    claimable = Q(status=DeliveryStatus.PENDING) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=stale
    )
    with transaction.atomic():
        ids = list(
            NotificationDelivery.objects.filter(claimable, pk__in=delivery_ids)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        NotificationDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    deliveries = list(NotificationDelivery.objects.filter(pk__in=ids).select_related("channel"))
    with ThreadPoolExecutor(max_workers=settings.NOTIFICATION_SEND_THREADS) as pool:
        outcomes = list(pool.map(_outcome, deliveries))
    sent, failed, retry = [], [], []
    finished = timezone.now()
    for delivery, (response, error) in zip(deliveries, outcomes, strict=True):
        if error is None:
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, finished
            delivery.response_status, delivery.response_body = response.status, response.body
            sent.append(delivery)
            continue
        delivery.last_error = str(error)[:2000]
        delivery.response_status = getattr(error, "status", None)
        delivery.response_body = getattr(error, "body", "")
        final = isinstance(error, senders.PermanentDeliveryError) or (
            settings.NOTIFICATION_MAX_RETRIES == 0
        )
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
        (failed if final else retry).append((delivery, error))
    fields = ["status", "sent_at", "response_status", "response_body", "last_error"]
    with transaction.atomic():
        rows_update(
            NotificationDelivery, [*sent, *(d for d, _ in failed), *(d for d, _ in retry)], fields
        )
        for delivery, error in retry:
            from .tasks import retry_countdown

            _enqueue(delivery.pk, countdown=retry_countdown(0, error.retry_after), retries=1)
    for delivery, error in failed:
        logger.error(
            "Delivery %s to %s failed (attempt 1, giving up): %s",
            delivery.pk,
            delivery.target,
            error,
        )
    for delivery, error in retry:
        logger.warning(
            "Delivery %s to %s failed (attempt 1, will retry): %s",
            delivery.pk,
            delivery.target,
            error,
        )
    logger.info("Sent %s of %s deliveries.", len(sent), len(deliveries))
    return {"sent": len(sent), "failed": len(failed), "retrying": len(retry)}


def _outcome(delivery: NotificationDelivery):
    try:
        return senders.send(delivery), None
    except senders.DeliveryError as error:
        return None, error


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
