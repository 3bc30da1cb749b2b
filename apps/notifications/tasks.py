"""Celery tasks of notifications: thin wrappers that take ids and call ``delivery.py``.

``services.py`` queues deliveries and sends them here after commit (``send_batch``,
``send_delivery``), so the dependency runs one way: services → tasks → delivery.
"""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import delivery
from .senders import TransientDeliveryError


@shared_task(
    bind=True,
    max_retries=settings.NOTIFICATION_MAX_RETRIES,
    soft_time_limit=settings.NOTIFICATION_TIMEOUT * 3,
    time_limit=settings.NOTIFICATION_TIMEOUT * 4,
)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one notice; idempotent (claimed before sending), retried with backoff."""
    final = self.request.retries >= self.max_retries
    try:
        return delivery.delivery_attempt(delivery_id=delivery_id, final_attempt=final)
    except TransientDeliveryError as error:
        if self.request.is_eager:
            # Eager Celery (tests, the embedded default) propagates a Retry out of delay()
            # instead of retrying: retry in-process at once, bounded by max_retries all the same.
            return self.apply((delivery_id,), retries=self.request.retries + 1).get()
        countdown = delivery.retry_countdown(self.request.retries, error.retry_after)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(
    soft_time_limit=settings.NOTIFICATION_TIMEOUT * 20,
    time_limit=settings.NOTIFICATION_TIMEOUT * 24,
)
def deliver_notifications(delivery_ids: list[int]) -> dict:
    """First attempts of many notices at once; idempotent (claimed before sending). Those a
    retry may fix go to ``deliver_notification`` one by one, with backoff."""
    outcome = delivery.deliveries_send(delivery_ids=delivery_ids)
    for delivery_id, countdown in outcome.retries:
        send_delivery(delivery_id, countdown=countdown, retries=1)
    return outcome.counts()


@shared_task
def requeue_lost_deliveries(*, now: datetime | None = None) -> int:
    """The sweep: send again what was never attempted (broker down at commit) or whose worker
    died (``delivery.deliveries_lost``); how many."""
    ids = delivery.deliveries_lost(now=now)
    with transaction.atomic():
        for delivery_id in ids:
            send_delivery(delivery_id)
    return len(ids)


def send_batch(delivery_ids: list[int]) -> None:
    """First attempts go out together after commit: a level that falls due on many clocks at
    once costs a few commits, not two per notice."""

    def send():
        deliver_notifications.delay(delivery_ids)

    transaction.on_commit(send, robust=True)


def send_delivery(delivery_id: int, countdown: int | None = None, retries: int = 0) -> None:
    """Send after commit; a broker that is down loses no notice (the sweep sends it again)."""

    def send():
        deliver_notification.apply_async((delivery_id,), countdown=countdown, retries=retries)

    transaction.on_commit(send, robust=True)
