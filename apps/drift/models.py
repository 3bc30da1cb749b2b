import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.catalog.models import Team
from apps.contracts.models import Commitment
from apps.core.outbound import OutboundURLRefused, check_outbound_url

from .choices import ChannelKind, DeliveryStatus, DriftKind


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
    resolution_note = models.TextField(blank=True)

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


def _new_secret() -> str:
    return secrets.token_hex(32)


class NotificationChannel(models.Model):
    """Where a team hears about drift on its services: an address, a Slack or a signed webhook."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notification_channels")
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    name = models.CharField(max_length=100, blank=True, help_text="E.g. #payments-oncall.")
    target = models.CharField(
        max_length=500, help_text="The email address, or the URL that receives the POST."
    )
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="Signed webhooks only: the HMAC-SHA256 key (generated when left empty).",
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["team", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "target"],
                name="notificationchannel_unique_target",
                violation_error_message="This team already has this channel.",
            )
        ]

    def __str__(self):
        label = self.name or self.target
        return f"{self.team} · {self.get_kind_display()} · {label}"

    def save(self, *args, **kwargs):
        if self.kind == ChannelKind.WEBHOOK and not self.secret:
            self.secret = _new_secret()
        super().save(*args, **kwargs)

    def clean(self):
        target = (self.target or "").strip()
        if self.kind == ChannelKind.EMAIL:
            try:
                validate_email(target)
            except ValidationError as error:
                raise ValidationError({"target": "Enter a valid email address."}) from error
        else:
            try:
                URLValidator(schemes=["http", "https"])(target)
            except ValidationError as error:
                raise ValidationError({"target": "Enter a valid http(s) URL."}) from error
            try:
                check_outbound_url(target, unresolvable_ok=True)
            except OutboundURLRefused as error:
                raise ValidationError({"target": str(error)}) from error
        if self.kind != ChannelKind.WEBHOOK and self.secret:
            raise ValidationError({"secret": "Only signed webhooks use a secret."})
        self.target = target


class NotificationDelivery(models.Model):
    """One notification of one drift event to one recipient (an address or a channel).

    Unique per (event, kind, target), so a retried task or a second detection never sends the
    same notice twice; ``attempts`` and ``last_error`` are the delivery log.
    """

    event = models.ForeignKey(DriftEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(
        NotificationChannel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    target = models.CharField(max_length=500)
    # Why this recipient: "sales owner", "legal", or the team channel.
    role = models.CharField(max_length=30)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "notification deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind", "target"], name="notificationdelivery_once_per_recipient"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.SENT) | models.Q(sent_at__isnull=False),
                name="notificationdelivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_created")]
        permissions = [("retry_notificationdelivery", "Can retry failed notifications")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.target} for event {self.event_id}"
