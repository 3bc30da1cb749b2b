"""Celery tasks: thin wrappers that take ids and call services (apps/notifications/services.py)."""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import services
from .senders import TransientDeliveryError


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
        return services.delivery_attempt(delivery_id=delivery_id, final_attempt=final)
    except TransientDeliveryError as error:
        if self.request.is_eager:
            # Eager Celery (tests, the embedded default) propagates a Retry out of delay()
            # instead of retrying: retry in-process at once, bounded by max_retries all the same.
            return self.apply((delivery_id,), retries=self.request.retries + 1).get()
        countdown = retry_countdown(self.request.retries, error.retry_after)
        raise self.retry(exc=error, countdown=countdown) from error


@shared_task(
    soft_time_limit=settings.NOTIFICATION_TIMEOUT * 20,
    time_limit=settings.NOTIFICATION_TIMEOUT * 24,
)
def deliver_notifications(delivery_ids: list[int]) -> dict:
    """First attempts of many notices at once; idempotent (claimed before sending)."""
    return services.deliveries_send(delivery_ids=delivery_ids)


@shared_task
def requeue_lost_deliveries() -> int:
    return services.deliveries_requeue_lost()
