"""Celery tasks of the measurements app: the scheduled Prometheus pull.

``pull_prometheus`` (beat, every 5 minutes) fans out one ``pull_prometheus_indicator`` per
Prometheus indicator, so one slow or broken query never holds up the others. Pulls are idempotent
(upserts on (indicator, start)), so a retried or duplicated task stores nothing twice.
"""

import logging

from celery import shared_task
from django.conf import settings

from apps.catalog.models import Indicator

from . import prometheus

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    # Only an unreachable or overloaded Prometheus is worth retrying: a refused query or a wrong
    # answer would fail the same way again, so it fails at once, loudly.
    autoretry_for=(prometheus.PrometheusUnavailable,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=4,
    soft_time_limit=120,
    time_limit=150,
)
def pull_prometheus_indicator(self, indicator_id: int) -> dict:
    """Pull one indicator's new buckets from Prometheus and upsert them."""
    try:
        indicator = Indicator.objects.select_related("service").get(pk=indicator_id)
    except Indicator.DoesNotExist:
        logger.info("Indicator %s is gone; nothing to pull.", indicator_id)
        return {"indicator": indicator_id, "buckets": 0, "created": 0, "updated": 0}
    result = prometheus.indicator_pull(indicator=indicator)
    return {
        "indicator": indicator_id,
        "buckets": result.buckets,
        "created": result.created,
        "updated": result.updated,
    }


@shared_task
def pull_prometheus() -> int:
    """Enqueue one pull per Prometheus indicator; returns how many were enqueued."""
    if not settings.PROMETHEUS_URL:
        logger.info("PROMETHEUS_URL is not set; skipping the Prometheus pull.")
        return 0
    indicator_ids = prometheus.prometheus_indicator_ids()
    for indicator_id in indicator_ids:
        pull_prometheus_indicator.delay(indicator_id)
    return len(indicator_ids)
