"""Writes of support reports: requesting one, or a new one like it (the task's own write of its
content is ``generation.report_generate``)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .. import access
from ..report_models import ReportKind, ReportScope, ReportStatus, SupportReport
from . import periods, tasks


def support_report_request(
    *, kind: str, scope: str, service=None, customer=None, period_start: date, user
) -> SupportReport:
    """Request a report of ``kind`` about the service or customer over the week, month or
    quarter that holds ``period_start``; built by a task queued once this commits."""
    if not access.can_view_metrics(user):
        raise PermissionDenied("Support reports are for the Support and Leadership groups.")
    if kind not in ReportKind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(ReportKind.values)}."})
    if scope not in ReportScope.values:
        raise ValidationError({"scope": f"Choose one of {', '.join(ReportScope.values)}."})
    if scope == ReportScope.SERVICE and service is None:
        raise ValidationError({"service": "Choose the service the report is about."})
    if scope == ReportScope.CUSTOMER and customer is None:
        raise ValidationError({"customer": "Choose the customer the report is about."})
    if period_start is None:
        raise ValidationError({"period_start": "Give a day of the period to report on."})
    start, end = periods.period_of(kind, period_start)
    with transaction.atomic():
        report = SupportReport.objects.create(
            kind=kind,
            scope=scope,
            service=service if scope == ReportScope.SERVICE else None,
            customer=customer if scope == ReportScope.CUSTOMER else None,
            period_start=start,
            period_end=end,
            requested_by=user,
        )
        transaction.on_commit(lambda: _send(report.pk), robust=True)
    return report


def support_report_regenerate(*, report: SupportReport, user) -> SupportReport:
    """A new report like this one (the figures as they are now); this one is kept."""
    return support_report_request(
        kind=report.kind,
        scope=report.scope,
        service=report.service,
        customer=report.customer,
        period_start=report.period_start,
        user=user,
    )


def _send(report_id: int) -> None:
    """Queue the build; a broker that refuses it fails the report at once, with the reason, so
    that nobody waits minutes on a report no task is building (building it again sends a new
    one). A message the broker took and then lost is the schedule's sweep's to send again."""
    if not tasks.send(report_id):
        SupportReport.objects.filter(pk=report_id, status=ReportStatus.PENDING).update(
            status=ReportStatus.FAILED,
            error="The task queue could not be reached: build the report again.",
        )
