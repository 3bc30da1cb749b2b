"""Celery tasks of the support desk: thin wrappers around the services."""

from celery import shared_task

from . import services
from .reports.tasks import generate_support_report  # noqa: F401 (registers the task)


# Every minute (beat); a run that overlaps the next one changes each clock once (see the
# service), and one that dies is simply redone by the next.
@shared_task(soft_time_limit=50, time_limit=55)
def evaluate_clocks() -> int:
    """Act on every clock whose next instant has passed."""
    return services.clocks_evaluate()
