"""The Celery task that builds a support report (a thin wrapper around the service)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .generation import report_generate


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
)
def generate_support_report(report_id: int) -> str:
    return report_generate(report_id=report_id)
