"""Celery tasks: thin wrappers that take ids and call services (apps/drift/services.py)."""

from celery import shared_task
from django.conf import settings

from . import services
from .notifications import TransientDeliveryError


@shared_task(
    bind=True,
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=settings.DRIFT_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=settings.DRIFT_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=settings.DRIFT_NOTIFICATION_MAX_RETRIES,
    soft_time_limit=settings.DRIFT_WEBHOOK_TIMEOUT * 3,
    time_limit=settings.DRIFT_WEBHOOK_TIMEOUT * 4,
)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one notice; idempotent (claimed before sending), retried with backoff."""
    final = self.request.retries >= self.max_retries
    return services.delivery_attempt(delivery_id=delivery_id, final_attempt=final)


@shared_task
def detect_expired_waivers() -> int:
    return len(services.drift_detect_expired_waivers())


@shared_task
def detect_attainment() -> int:
    return len(services.drift_detect_attainment())


@shared_task
def requeue_lost_deliveries() -> int:
    return services.deliveries_requeue_lost()
