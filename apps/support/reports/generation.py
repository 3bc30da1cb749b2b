"""The worker side of a support report: claiming, building and storing its content once, failing
it with the reason, and choosing what the schedule's sweep sends again (tasks.py sends)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core import broker

from ..report_models import UNDER_WAY, ReportStatus, SupportReport
from .content import report_data

logger = logging.getLogger(__name__)

# Errors worth a retry: the database went away for a moment.
RETRYABLE_ERRORS = (OperationalError, InterfaceError)
# The time limits of the report task and its longest backoff; ``lost_after`` counts from them.
REPORT_SOFT_TIME_LIMIT = 120
REPORT_TIME_LIMIT = 150
RETRY_BACKOFF_MAX = 300


def lost_after() -> timedelta:
    """How long a report may stay pending or claimed before its task counts as lost."""
    return broker.lost_after(time_limit=REPORT_TIME_LIMIT, backoff_max=RETRY_BACKOFF_MAX)


def _claim(report_id: int, task_id: str) -> SupportReport | None:
    """Take the report for this task (the same task again, a retry, resumes its own claim); None
    when another task has it or it is done. The update tests the state as it changes it, so two
    tasks given the same report never both take it."""
    # Without a task id (a direct call), only a pending report is taken.
    held = Q(status=ReportStatus.BUILDING, task_id=task_id) if task_id else Q(pk__in=[])
    taken = SupportReport.objects.filter(
        Q(status=ReportStatus.PENDING) | held, pk=report_id
    ).update(status=ReportStatus.BUILDING, task_id=task_id, claimed_at=timezone.now())
    if not taken:
        return None
    return SupportReport.objects.select_related("service", "customer").get(pk=report_id)


def report_generate(*, report_id: int, task_id: str = "") -> str:
    """Build and store a report once: "ready", "failed" (reason recorded) or "skipped" (another
    task has it, it is built, or gone). Database outages propagate (the task retries them)."""
    report = _claim(report_id, task_id)
    if report is None:
        return "skipped"
    try:
        data = report_data(report)
    except RETRYABLE_ERRORS:
        raise
    except Exception as error:
        logger.exception("Support report %s failed.", report_id)
        return (
            "failed"
            if report_fail(report_id=report_id, task_id=task_id, error=error)
            else "skipped"
        )
    written = SupportReport.objects.filter(
        pk=report_id, status=ReportStatus.BUILDING, task_id=task_id
    ).update(status=ReportStatus.READY, data=data, generated_at=timezone.now(), error="")
    return "ready" if written else "skipped"


def report_fail(*, report_id: int, task_id: str, error: BaseException | str) -> bool:
    """Record why this task's report could not be built (building it again requests a new one)."""
    if isinstance(error, str):
        reason = error
    elif isinstance(error, SoftTimeLimitExceeded):
        reason = f"Took longer than {REPORT_SOFT_TIME_LIMIT} s to build."
    else:
        reason = f"{type(error).__name__}: {error}"
    return bool(
        SupportReport.objects.filter(
            pk=report_id, status=ReportStatus.BUILDING, task_id=task_id
        ).update(status=ReportStatus.FAILED, error=reason[:2000])
    )


def reports_lost(*, now=None) -> list[int]:
    """Reports still pending or building since longer than ``lost_after``: their message never
    reached a worker (the broker lost it) or their worker was killed mid-build."""
    return list(_lost(now or timezone.now()).order_by("id").values_list("id", flat=True))


def _lost(now):
    # A report no task claimed yet counts from its request.
    return (
        SupportReport.objects.filter(status__in=UNDER_WAY)
        .alias(since=Coalesce("claimed_at", "requested_at"))
        .filter(since__lt=now - lost_after())
    )


def report_release_lost(*, report_id: int, now=None) -> bool:
    """Put a lost report back to pending, stamped now, for the sweep to send again; False when
    it moved meanwhile (or a sweep before this one took it). Should the lost task come back
    after all, the claim lets one of the two write the report."""
    moment = now or timezone.now()
    released = (
        _lost(moment)
        .filter(pk=report_id)
        .update(
            status=ReportStatus.PENDING,
            task_id="",
            claimed_at=moment,
            error="Its task was lost: sent again.",
        )
    )
    return bool(released)
