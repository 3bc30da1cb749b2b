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
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class SupportReport(models.Model):
    """One report of a service's or a customer's support desk over one week, month or quarter.

    ``data`` is written once, by the task that builds it (pending → ready, or failed with the
    reason); a report is never rebuilt in place: regenerating requests a new row.
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
