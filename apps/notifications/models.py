"""Where notices go (a team's channels) and every notice sent (its delivery log).

A delivery carries its whole message (subject, text, the JSON a machine receiver gets), written
in the same transaction as its cause, so a notice never depends on the cause still looking the
same when a worker sends it. ``dedup_key`` is unique: the same cause sends the same notice once.
"""

import secrets

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from simple_history.models import HistoricalRecords

from apps.catalog.models import Team
from apps.core.outbound import validate_outbound_url

from .choices import (
    DELIVERY_KINDS,
    OPSGENIE_API_URL,
    PAGERDUTY_EVENTS_URL,
    ChannelKind,
    DeliveryAction,
    DeliveryStatus,
)


def _new_secret() -> str:
    return secrets.token_hex(32)


class NotificationChannel(models.Model):
    """Where a team hears things: an address, Slack, a signed webhook, PagerDuty or Opsgenie.

    PagerDuty needs the integration's routing key and, for the EU service region or a test
    receiver, another ``events_url``; Opsgenie needs an API key and, likewise, another
    ``api_url``. Secrets and keys are never shown back.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notification_channels")
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    name = models.CharField(max_length=100, blank=True, help_text="E.g. #payments-oncall.")
    target = models.CharField(
        max_length=500,
        blank=True,
        help_text="The email address, or the URL that receives the POST (Slack, webhook).",
    )
    secret = models.CharField(
        max_length=200,
        blank=True,
        help_text="Signed webhooks only: the HMAC-SHA256 key (generated when left empty).",
    )
    routing_key = models.CharField(
        max_length=100, blank=True, help_text="PagerDuty only: the Events API v2 integration key."
    )
    events_url = models.CharField(
        max_length=300,
        blank=True,
        help_text=f"PagerDuty only: the full enqueue URL (default {PAGERDUTY_EVENTS_URL}).",
    )
    api_key = models.CharField(
        max_length=100, blank=True, help_text="Opsgenie only: the API integration's key."
    )
    api_url = models.CharField(
        max_length=300,
        blank=True,
        help_text=f"Opsgenie only: the API's base URL (default {OPSGENIE_API_URL}).",
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords(excluded_fields=["secret", "routing_key", "api_key"])

    class Meta:
        ordering = ["team", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "target"],
                condition=~models.Q(target=""),
                name="notifications_channel_unique_target",
                violation_error_message="This team already has this channel.",
            )
        ]

    def __str__(self):
        label = self.name or self.target or self.get_kind_display()
        return f"{self.team} · {self.get_kind_display()} · {label}"

    def save(self, *args, **kwargs):
        if self.kind == ChannelKind.WEBHOOK and not self.secret:
            self.secret = _new_secret()
        if self.kind == ChannelKind.PAGERDUTY and not self.events_url:
            self.events_url = PAGERDUTY_EVENTS_URL
        if self.kind == ChannelKind.OPSGENIE and not self.api_url:
            self.api_url = OPSGENIE_API_URL
        super().save(*args, **kwargs)

    @property
    def address(self) -> str:
        """Where a notice on this channel goes: the target, or the vendor's URL."""
        if self.kind == ChannelKind.PAGERDUTY:
            return self.events_url or PAGERDUTY_EVENTS_URL
        if self.kind == ChannelKind.OPSGENIE:
            return (self.api_url or OPSGENIE_API_URL).rstrip("/")
        return self.target

    def clean(self):
        self.target = (self.target or "").strip()
        errors = {}
        only = {
            "secret": ChannelKind.WEBHOOK,
            "routing_key": ChannelKind.PAGERDUTY,
            "events_url": ChannelKind.PAGERDUTY,
            "api_key": ChannelKind.OPSGENIE,
            "api_url": ChannelKind.OPSGENIE,
        }
        for field, kind in only.items():
            if getattr(self, field) and self.kind != kind:
                errors[field] = f"Only {ChannelKind(kind).label} channels use this."
        if errors:
            raise ValidationError(errors)
        if self.kind == ChannelKind.EMAIL:
            try:
                validate_email(self.target)
            except ValidationError as error:
                raise ValidationError({"target": "Enter a valid email address."}) from error
        elif self.kind in (ChannelKind.SLACK, ChannelKind.WEBHOOK):
            validate_outbound_url("target", self.target)
        elif self.kind == ChannelKind.PAGERDUTY:
            if not self.routing_key:
                raise ValidationError({"routing_key": "PagerDuty needs the routing key."})
            validate_outbound_url("events_url", self.events_url or PAGERDUTY_EVENTS_URL)
        elif self.kind == ChannelKind.OPSGENIE:
            if not self.api_key:
                raise ValidationError({"api_key": "Opsgenie needs the API key."})
            validate_outbound_url("api_url", self.api_url or OPSGENIE_API_URL)


class NotificationDelivery(models.Model):
    """One notice to one recipient (an address or a channel), and how its sending went.

    ``cause`` is what the notice is about (a drift event, an escalation); ``dedup_key`` names the
    notice among all others, so a retried task or a second detection never sends it twice.
    ``alert_key`` is the PagerDuty ``dedup_key`` / Opsgenie ``alias`` a trigger opens and a
    resolve closes. ``attempts``, ``last_error`` and the last response are the delivery log.
    """

    cause_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cause_id = models.PositiveBigIntegerField(null=True, blank=True)
    cause = GenericForeignKey("cause_type", "cause_id")
    channel = models.ForeignKey(
        NotificationChannel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    kind = models.CharField(max_length=10, choices=DELIVERY_KINDS)
    action = models.CharField(
        max_length=10, choices=DeliveryAction.choices, default=DeliveryAction.NOTIFY
    )
    target = models.CharField(max_length=500)
    # Why this recipient: "sales owner", "legal", "assignee", or the team channel.
    role = models.CharField(max_length=30)
    dedup_key = models.CharField(max_length=700, unique=True)
    alert_key = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    # What a machine receiver gets (signed webhook body, alert details), sent as it is.
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "notification deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.SENT) | models.Q(sent_at__isnull=False),
                name="notifications_delivery_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notif_delivery_status_created"),
            models.Index(fields=["cause_type", "cause_id"], name="notif_delivery_cause"),
        ]
        permissions = [("retry_notificationdelivery", "Can retry failed notifications")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_action_display().lower()} to {self.target}"
