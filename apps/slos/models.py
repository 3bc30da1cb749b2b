from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from apps.catalog.choices import LOWER_THRESHOLD_IS_STRICTER
from apps.catalog.models import Indicator, Service
from apps.core.validators import (
    TEXT_MAX_LENGTH,
    target_field,
    target_in_range,
    validate_target_percent,
)
from apps.core.versioning import VersionedModel

from . import alignment, signals
from .choices import BudgetingMethod, SloStatus, SloWindow


class SLO(VersionedModel):
    """An internal objective on an indicator: target %, window, budgeting method and status."""

    VERSIONED_FIELDS = ("indicator", "target", "window", "budgeting_method", "status")

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="slos")
    name = models.CharField(max_length=150, blank=True)
    target = target_field()
    window = models.CharField(
        max_length=10, choices=SloWindow.choices, default=SloWindow.ROLLING_30D
    )
    budgeting_method = models.CharField(
        max_length=12, choices=BudgetingMethod.choices, default=BudgetingMethod.OCCURRENCES
    )
    timeslice_target = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[validate_target_percent],
        help_text="Timeslices only: percent of good events a slice needs to count as good.",
    )
    timezone = models.CharField(max_length=64, default="UTC")
    status = models.CharField(max_length=10, choices=SloStatus.choices, default=SloStatus.DRAFT)
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "SLO"
        ordering = ["indicator__service__name", "indicator__name"]
        constraints = [
            models.CheckConstraint(condition=target_in_range("target"), name="slo_target_range"),
            models.CheckConstraint(
                condition=models.Q(timeslice_target__isnull=True)
                | target_in_range("timeslice_target"),
                name="slo_timeslice_target_range",
                violation_error_message=(
                    "A slice's target is a percentage greater than 0 and at most 100."
                ),
            ),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=models.Q(status="active"),
                name="slo_one_active_per_indicator",
                violation_error_message="This indicator already has an active SLO.",
            ),
        ]

    def __str__(self):
        return (
            f"{self.name or self.indicator.name} ≥ {alignment.fmt(self.target)} % ({self.window})"
        )

    @property
    def objective(self) -> alignment.Objective:
        return alignment.Objective(self.target, self.indicator.threshold)

    def clean(self):
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError({"timezone": f"Unknown timezone {self.timezone!r}."}) from error
        if self.budgeting_method == BudgetingMethod.TIMESLICES and self.timeslice_target is None:
            raise ValidationError(
                {"timeslice_target": "A timeslices SLO needs the share a slice must meet."}
            )

    def save(self, *args, **kwargs):
        # One transaction, the row locked: the SLO, the verdict cache, drift flags and voided
        # sign-offs change together, and two concurrent edits cannot share a version.
        with transaction.atomic():
            # What the SLO promised before this save: loosening or retiring it drifts lines.
            before = None
            if not self._state.adding and self.pk is not None:
                before = (
                    SLO.objects.select_for_update()
                    .filter(pk=self.pk)
                    .values("target", "status", "indicator_id")
                    .first()
                )
            super().save(*args, **kwargs)
            signals.slo_saved.send(sender=SLO, slo=self, before=before)

    def on_new_version(self, changed):
        signals.slo_versioned.send(
            sender=SLO, slo=self, changed=changed, user=getattr(self, "_history_user", None)
        )


def threshold_order(kind: str) -> alignment.ThresholdOrder:
    if kind in LOWER_THRESHOLD_IS_STRICTER:
        return alignment.ThresholdOrder.LOWER_IS_STRICTER
    return alignment.ThresholdOrder.UNORDERED


class BufferPolicy(models.Model):
    """The minimum room between an SLA and its SLO: global (no service) or a service override."""

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="buffer_policy"
    )
    min_budget_ratio = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.0"),
        validators=[MinValueValidator(1)],
        help_text="SLA error budget ÷ SLO error budget, at least (2.0: SLO 99.95 % backs 99.9 %).",
    )
    min_margin = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="Points between SLO and SLA targets, at least.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "buffer policies"
        constraints = [
            models.UniqueConstraint(
                Coalesce("service", models.Value(0)),
                name="bufferpolicy_one_global",
                violation_error_message="There is already a global buffer policy.",
            ),
            models.CheckConstraint(
                condition=models.Q(min_budget_ratio__gte=1), name="bufferpolicy_ratio_at_least_1"
            ),
            models.CheckConstraint(
                condition=models.Q(min_margin__gte=0), name="bufferpolicy_margin_not_negative"
            ),
        ]

    def __str__(self):
        scope = self.service.name if self.service_id else "Global"
        return f"{scope}: ratio ≥ {self.min_budget_ratio}, margin ≥ {self.min_margin}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        signals.buffer_policy_saved.send(sender=BufferPolicy, policy=self)

    @property
    def policy(self) -> alignment.Policy:
        return alignment.Policy(self.min_budget_ratio, self.min_margin)
