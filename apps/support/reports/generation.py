"""The worker side of a support report: building and storing its content once (tasks.py)."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from ..report_models import ReportStatus, SupportReport
from .content import report_data

logger = logging.getLogger(__name__)


def report_generate(*, report_id: int) -> str:
    """Build and store a pending report once: "ready", "failed" (reason recorded) or "skipped"
    (already built, or gone). A redelivered task finds it built and writes nothing."""
    report = (
        SupportReport.objects.filter(pk=report_id, status=ReportStatus.PENDING)
        .select_related("service", "customer")
        .first()
    )
    if report is None:
        return "skipped"
    try:
        data = report_data(report)
    except (OperationalError, InterfaceError):
        raise  # the database went away for a moment: the task retries
    except Exception as error:
        logger.exception("Support report %s failed.", report_id)
        SupportReport.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(
            status=ReportStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        return "failed"
    written = SupportReport.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(
        status=ReportStatus.READY, data=data, generated_at=timezone.now(), error=""
    )
    return "ready" if written else "skipped"
