"""The Celery tasks of support reports: building one (a thin wrapper around generation.py),
failing one whose task ended without recording why, and the schedule's sweep that sends again
the reports whose tasks were lost (``generation.lost_after``)."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded

from apps.core.broker import BROKER_ERRORS

from . import generation
from .generation import REPORT_SOFT_TIME_LIMIT, REPORT_TIME_LIMIT, RETRY_BACKOFF_MAX

logger = logging.getLogger(__name__)


class ReportTask(Task):
    """A build that ends without recording its outcome (the pool killed it at its hard time
    limit, or it gave up retrying) has its report failed with the reason by
    ``fail_support_report``. Runs where Celery notices the failure (the worker's main process
    for a hard time limit): it only enqueues."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if isinstance(exc, TimeLimitExceeded):
            reason = f"Stopped at the hard time limit of {REPORT_TIME_LIMIT} s."
        else:
            reason = f"{type(exc).__name__}: {exc}"
        report_id = args[0] if args else kwargs["report_id"]
        fail_support_report.delay(report_id, task_id, reason)


@shared_task(
    bind=True,
    base=ReportTask,
    autoretry_for=generation.RETRYABLE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    max_retries=5,
    soft_time_limit=REPORT_SOFT_TIME_LIMIT,
    time_limit=REPORT_TIME_LIMIT,
)
def generate_support_report(self, report_id: int) -> str:
    return generation.report_generate(report_id=report_id, task_id=self.request.id or "")


@shared_task(autoretry_for=generation.RETRYABLE_ERRORS, retry_backoff=True, max_retries=5)
def fail_support_report(report_id: int, task_id: str, reason: str) -> bool:
    """Record why a report's task ended without recording it (see ``ReportTask``)."""
    return generation.report_fail(report_id=report_id, task_id=task_id, error=reason)


@shared_task(acks_late=True)
def resend_lost_reports() -> int:
    """The schedule's sweep: send again the reports whose tasks were lost; how many. A report
    another sweep (or its task) took meanwhile is left alone, so each lost report is sent once."""
    sent = 0
    for report_id in generation.reports_lost():
        if generation.report_release_lost(report_id=report_id):
            logger.warning("Support report %s: its task was lost; sending it again.", report_id)
            sent += send(report_id)
    return sent


def send(report_id: int) -> bool:
    """Queue the build; False when the broker refused it (the report stays as it is, and the
    next sweep sends it again once ``generation.lost_after`` passed)."""
    try:
        generate_support_report.delay(report_id)
    except BROKER_ERRORS:
        logger.warning("Support report %s: the broker refused its task.", report_id, exc_info=True)
        return False
    return True
