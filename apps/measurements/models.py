from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.catalog.models import Indicator, Service

# Exceptions are for shipping one fix, not for living with an exhausted budget.
MAX_EXCEPTION_LENGTH = timedelta(days=14)


class SLISample(models.Model):
    """Good and total event counts of one indicator for one time bucket [start, end), in UTC.

    Unique on (indicator, start): re-sending a bucket replaces it, so nothing is counted twice.
    The unique index doubles as the range-scan index for per-indicator time windows.
    """

    # No index of its own: the unique (indicator, start) index serves every lookup by indicator,
    # and one index fewer is a large share of the cost of a bulk ingest.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="samples", db_index=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    good = models.BigIntegerField()
    total = models.BigIntegerField()

    class Meta:
        verbose_name = "SLI sample"
        ordering = ["indicator", "start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "start"], name="slisample_unique_bucket"),
            models.CheckConstraint(
                condition=models.Q(good__gte=0) & models.Q(total__gte=0),
                name="slisample_counts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(good__lte=models.F("total")), name="slisample_good_within_total"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="slisample_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} @ {self.start:%Y-%m-%d %H:%M}: {self.good}/{self.total}"


class ReleaseGateException(models.Model):
    """An admin's recorded, expiring exception that reopens a service's closed release gate.

    An exhausted error budget pauses feature releases; a P0 fix or a security fix still has to
    ship, so someone says who, why and until when.
    """

    class Kind(models.TextChoices):
        P0 = "p0", "P0 incident fix"
        SECURITY = "security", "Security fix"

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="release_gate_exceptions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["service", "expires_at"], name="gateexception_active")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="gateexception_needs_reason"
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_kind_display()} on {self.service_id} until {self.expires_at:%Y-%m-%d %H:%M}"
        )

    def is_active(self, at=None) -> bool:
        return self.expires_at > (at or timezone.now())

    def clean(self):
        if not (self.reason or "").strip():
            raise ValidationError({"reason": "Say why releases may go ahead."})
        if self.expires_at and self.expires_at <= timezone.now():
            raise ValidationError({"expires_at": "An exception must expire in the future."})
        if self.expires_at and self.expires_at > timezone.now() + MAX_EXCEPTION_LENGTH:
            raise ValidationError(
                {"expires_at": "An exception lasts at most 14 days: record a new one if needed."}
            )
