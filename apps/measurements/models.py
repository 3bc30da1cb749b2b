from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.catalog.models import Indicator, Service
from apps.core.validators import TEXT_MAX_LENGTH

# Exceptions are for shipping one fix, not for living with an exhausted budget.
MAX_EXCEPTION_LENGTH = timedelta(days=14)


class SLISample(models.Model):
    """Good and total event counts of one indicator for one time bucket [start, end), in UTC.

    The primary key is (indicator, start): re-sending a bucket replaces it, so nothing is counted
    twice, and its index is the range-scan index for per-indicator time windows. No surrogate id
    and no second index: each index is paid on every one of the millions of rows ingested.

    No foreign-key constraint either: its check of every inserted row cost more than the rest of
    a bulk insert together. Every writer (``services``) locks the indicators it writes, as the
    foreign key would, and checks they exist; triggers (migration 0004) cascade an indicator's
    deletion to its samples and refuse to move a sample or renumber an indicator that has some.
    """

    pk = models.CompositePrimaryKey("indicator", "start")
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="samples",
        db_index=False,
        db_constraint=False,
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    good = models.BigIntegerField()
    total = models.BigIntegerField()

    class Meta:
        verbose_name = "SLI sample"
        ordering = ["indicator", "start"]
        constraints = [
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

    @property
    def key(self) -> str:
        """The primary key as text, ``indicator/start``: how forms and the admin log name it."""
        return f"{self.indicator_id}/{self.start.isoformat()}"


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
    reason = models.TextField(max_length=TEXT_MAX_LENGTH)
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
