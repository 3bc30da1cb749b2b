"""A requested support report and, once built, its content."""

from django.conf import settings
from django.db import models

from apps.catalog.models import Customer, Service


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", "Weekly ops"
    MONTHLY = "monthly", "Monthly retrospective"
    QUARTERLY = "quarterly", "Quarterly business review"


class ReportScope(models.TextChoices):
    SERVICE = "service", "Service"
    CUSTOMER = "customer", "Customer"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# Requested and not finished: what the page refreshes for and the sweep sends again.
UNDER_WAY = (ReportStatus.PENDING, ReportStatus.BUILDING)


class SupportReport(models.Model):
    """One report of a service's or a customer's support desk over one week, month or quarter.

    ``data`` is written once, by the task that builds it: the task claims the report (pending →
    building, by an update that tests the state, so one task writes it), then marks it ready, or
    failed with the reason; a report is never rebuilt in place: regenerating requests a new row.
    A report whose task was lost would stay pending or building: the schedule's sweep sends it
    again (``generation.reports_lost``).
    """

    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    scope = models.CharField(max_length=10, choices=ReportScope.choices)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="support_reports"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="support_reports"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day the report counts.")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    data = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    # The task that holds a building report (its retries carry the same id, and resume it), and
    # when a task last claimed it or the sweep took it back to send it again.
    task_id = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    scope=ReportScope.SERVICE, service__isnull=False, customer__isnull=True
                )
                | models.Q(
                    scope=ReportScope.CUSTOMER, customer__isnull=False, service__isnull=True
                ),
                name="supportreport_one_subject",
                violation_error_message="A report is about a service or about a customer.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject} · {self.period_start:%Y-%m-%d}"

    @property
    def subject(self) -> str:
        target = self.service if self.scope == ReportScope.SERVICE else self.customer
        return str(target.name) if target else ""

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.READY

    @property
    def is_under_way(self) -> bool:
        return self.status in UNDER_WAY
