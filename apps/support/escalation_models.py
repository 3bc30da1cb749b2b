"""Escalation policies, their levels, each level fired on a clock, and breach causes.

A policy belongs to a service and may be overridden for one contract (the contract's own policy
replaces the service's on its tickets). ``Escalation`` is the unique (clock, level) row: its
``at`` is when the level falls due (recomputed with the clock, null while the clock is paused)
and ``fired_at`` when it fired; the conditional claim of that row is what makes a level fire
once however many evaluations overlap.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.catalog.models import Service
from apps.contracts.models import Contract
from apps.core.validators import TEXT_MAX_LENGTH
from apps.notifications.models import NotificationChannel, NotificationDelivery

from .choices import ClockMetric


class EscalationPolicy(models.Model):
    """Who hears of a service's tickets, and when, as their clocks run towards and past due."""

    name = models.CharField(max_length=100)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="escalation_policies"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalation_policies",
        help_text="Set: this policy replaces the service's on the contract's tickets.",
    )
    lead_email = models.EmailField(
        blank=True, help_text="The team lead told by levels that notify the team lead."
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "escalation policies"
        ordering = ["service", "contract", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(contract__isnull=True),
                name="escalationpolicy_one_per_service",
                violation_error_message="This service already has an escalation policy.",
            ),
            models.UniqueConstraint(
                fields=["service", "contract"],
                condition=models.Q(contract__isnull=False),
                name="escalationpolicy_one_per_contract",
                violation_error_message="This contract already has a policy for this service.",
            ),
        ]

    def __str__(self):
        return self.name


class EscalationLevel(models.Model):
    """One step of a policy: where it falls on the clock and what it does when it fires."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(help_text="Levels are numbered from 1 in order.")
    metric = models.CharField(
        max_length=20,
        choices=ClockMetric.choices,
        blank=True,
        help_text="Response or resolution clocks; empty for both.",
    )
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="At this percentage of the target (50, 75).",
    )
    offset_minutes = models.IntegerField(
        null=True,
        blank=True,
        help_text="Or at this many business minutes from the due (−10 before, +60 after).",
    )
    notify_assignee = models.BooleanField(default=False)
    notify_team_lead = models.BooleanField(default=False)
    channels = models.ManyToManyField(NotificationChannel, blank=True, related_name="+")
    reassign_to = models.CharField(
        max_length=150, blank=True, help_text="Reassign the ticket to this group."
    )
    fire_outside_hours = models.BooleanField(
        default=False,
        help_text="Fire when it falls due even if the clock's calendar is closed (an offset "
        "after the due then counts wall-clock minutes). Otherwise a level that falls due outside "
        "hours fires at the calendar's next opening.",
    )
    history = HistoricalRecords(m2m_fields=[channels])

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="escalationlevel_unique_position"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True, offset_minutes__isnull=False)
                | models.Q(percent__isnull=False, offset_minutes__isnull=True),
                name="escalationlevel_percent_or_offset",
                violation_error_message="A level sits at a percent or at an offset, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True)
                | models.Q(percent__gte=0, percent__lte=100),
                name="escalationlevel_percent_range",
            ),
        ]

    def __str__(self):
        where = f"{self.percent} %" if self.percent is not None else f"{self.offset_minutes:+d} min"
        return f"{self.policy} · level {self.position} ({where})"

    def clean(self):
        if (self.percent is None) == (self.offset_minutes is None):
            raise ValidationError("A level sits at a percent of the target or at an offset.")

    def applies_to(self, metric: str) -> bool:
        return not self.metric or self.metric == metric


class Escalation(models.Model):
    """One level of a policy on one clock: when it falls due, when it fired, what it did."""

    clock = models.ForeignKey(
        "support.TicketClock", on_delete=models.CASCADE, related_name="escalations"
    )
    level = models.ForeignKey(EscalationLevel, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    # What firing did: {"notified": [...], "channels": [ids], "reassigned_to": group,
    # "written_back_to": helpdesk source slug, "paged_engineering": bool}
    actions = models.JSONField(default=dict, blank=True)
    deliveries = GenericRelation(
        NotificationDelivery,
        content_type_field="cause_type",
        object_id_field="cause_id",
        related_query_name="escalation",
    )

    class Meta:
        ordering = ["clock", "position"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "level"], name="escalation_once_per_level")
        ]
        indexes = [
            # The evaluation's range scan: levels not yet fired, by when they fall due.
            models.Index(
                fields=["at"],
                condition=models.Q(fired_at__isnull=True, at__isnull=False),
                name="escalation_pending_at",
            )
        ]

    def __str__(self):
        return f"clock {self.clock_id} level {self.position}"


class BreachCause(models.Model):
    """A category of breach cause the admin keeps (understaffed, waiting on engineering…)."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BreachReview(models.Model):
    """Why a breached clock breached, as its support lead recorded it: the lesson of a breach."""

    clock = models.OneToOneField(
        "support.TicketClock", on_delete=models.CASCADE, related_name="breach_review"
    )
    cause = models.ForeignKey(BreachCause, on_delete=models.PROTECT, related_name="reviews")
    note = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"clock {self.clock_id}: {self.cause}"
