from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone

from apps.contracts.models import Commitment
from apps.core.validators import TEXT_MAX_LENGTH
from apps.notifications.models import NotificationDelivery

from .choices import DriftKind


class DriftEvent(models.Model):
    """One way a signed commitment drifted from what backed it when it was signed.

    ``event_key`` names the occurrence within its kind (the SLO version that loosened, the waiver
    that expired, the period that fell short), so the unique constraint makes "flagged and
    notified once per event" a database fact. A commitment is DRIFTED while it has an event
    without ``resolved_at``.
    """

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="drift_events"
    )
    kind = models.CharField(max_length=20, choices=DriftKind.choices)
    event_key = models.CharField(max_length=100)
    detected_at = models.DateTimeField(default=timezone.now, db_index=True)
    summary = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_note = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    # The notices this event sent (their cause is the event).
    deliveries = GenericRelation(
        NotificationDelivery,
        content_type_field="cause_type",
        object_id_field="cause_id",
        related_query_name="drift_event",
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "kind", "event_key"], name="driftevent_once_per_event"
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True) | models.Q(resolved_by__isnull=False),
                name="driftevent_resolution_has_user",
            ),
        ]
        indexes = [
            # "Is this commitment drifted?" is asked for every line of every list.
            models.Index(
                fields=["commitment"],
                condition=models.Q(resolved_at__isnull=True),
                name="driftevent_open_by_commitment",
            )
        ]
        permissions = [("resolve_driftevent", "Can mark drift events resolved")]

    def __str__(self):
        return f"{self.get_kind_display()} on commitment {self.commitment_id} ({self.event_key})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
