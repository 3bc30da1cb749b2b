"""The worker side of notifications: send a delivery once, record what happened.

What the tasks (tasks.py) do: claim deliveries, send them through ``senders``, record the
outcome, say which to retry and when, and choose what the sweep sends again. Nothing here
enqueues a message (the tasks do), so this module imports neither ``services`` nor ``tasks``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.bulk import rows_update

from . import senders
from .choices import DeliveryStatus
from .models import NotificationDelivery

logger = logging.getLogger(__name__)


def retry_countdown(retries: int, retry_after: int | None = None) -> int:
    """Exponential backoff with full jitter (30 s, 60 s, 120 s … up to an hour), never sooner
    than the receiver's Retry-After."""
    backoff = get_exponential_backoff_interval(
        factor=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
        retries=retries,
        maximum=settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )
    return max(backoff, min(retry_after or 0, settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS))


@dataclass
class BatchOutcome:
    """What a first attempt of many deliveries came to: how many were sent and failed for
    good, and, for each that a retry may fix, its id and the seconds to wait first."""

    sent: int
    failed: int
    retries: list[tuple[int, int]]

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "retrying": len(self.retries)}


def deliveries_send(*, delivery_ids: list[int]) -> BatchOutcome:
    """The first attempt of many deliveries: claim them in one statement, send them side by
    side, record the outcomes in a few statements. What failed in a way a retry may fix is
    returned with its backoff, for the task to send to ``deliver_notification`` one by one."""
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
    senders.prepare(deliveries)
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
    retries = [(d.pk, retry_countdown(0, error.retry_after)) for d, error in retry]
    return BatchOutcome(sent=len(sent), failed=len(failed), retries=retries)


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
    senders.prepare([delivery])
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


def deliveries_lost(*, now: datetime | None = None) -> list[int]:
    """The deliveries to send again: never attempted (the broker was down at commit) or
    claimed by a worker that died."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
    return list(
        NotificationDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, attempts=0, created_at__lt=grace)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=grace)
        ).values_list("pk", flat=True)
    )
