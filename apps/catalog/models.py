from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.validators import TEXT_MAX_LENGTH

from .choices import (
    DEFAULT_PAUSE_ON,
    SUPPORT_KINDS,
    IndicatorKind,
    IndicatorSource,
    OnReopen,
    SupportPriority,
    TicketStatus,
)


class Team(models.Model):
    """An engineering team; its members may sign off commitments on the services it owns."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    """A service the company runs, owned by exactly one team."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    description = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(models.Model):
    """A customer that signs contracts."""

    name = models.CharField(max_length=200, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    """An SLI: the ratio of good events (or good time slices) to all, measured for a service."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=32, choices=IndicatorKind.choices)
    threshold = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The limit a good event stays within, e.g. 300 (ms) or 15 (min).",
    )
    unit = models.CharField(max_length=20, blank=True, help_text="Unit of the threshold: ms, min…")
    source = models.CharField(
        max_length=20, choices=IndicatorSource.choices, default=IndicatorSource.API
    )
    good_query = models.TextField(
        max_length=TEXT_MAX_LENGTH, blank=True, help_text="PromQL counting good events."
    )
    total_query = models.TextField(
        max_length=TEXT_MAX_LENGTH, blank=True, help_text="PromQL counting all events."
    )
    # The support kinds: one indicator per priority and metric of the matrix, its
    # threshold the per-ticket target in minutes. Null, not blank, for the other kinds: the API
    # answers ``priority: null`` for them.
    priority = models.CharField(  # noqa: DJ001
        max_length=2,
        choices=SupportPriority.choices,
        null=True,
        blank=True,
        help_text="Support kinds: the ticket priority whose clocks this indicator runs.",
    )
    calendar = models.ForeignKey(
        "calendars.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        help_text="Support kinds: the business hours the clock counts in; empty = 24x7.",
    )
    pause_on = models.JSONField(
        null=True,
        blank=True,
        help_text=(
            "Support kinds: the ticket statuses that pause the clock. Empty = the kind's "
            "default: none for response, pending_customer and on_hold for resolution."
        ),
    )
    on_reopen = models.CharField(
        max_length=12,
        choices=OnReopen.choices,
        default=OnReopen.CONTINUE,
        help_text="Support kinds: what reopening a solved ticket does to its clock.",
    )
    retroactive_start = models.BooleanField(
        default=True,
        help_text="Support kinds: after a priority change, count from the ticket's creation.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["service__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="indicator_unique_name"),
            models.CheckConstraint(
                condition=models.Q(threshold__isnull=True) | models.Q(threshold__gte=0),
                name="indicator_threshold_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.service.name} · {self.name}"

    def save(self, *args, **kwargs):
        # Every writer (API, admin, import, demo data) stores the pauses the clock runs with.
        if self.is_support and self.pause_on is None:
            self.pause_on = [str(status) for status in DEFAULT_PAUSE_ON[self.kind]]
        super().save(*args, **kwargs)

    @property
    def is_support(self) -> bool:
        return self.kind in SUPPORT_KINDS

    def clean(self):
        if self.source == IndicatorSource.PROMETHEUS and not (self.good_query and self.total_query):
            raise ValidationError(
                {"good_query": "A Prometheus indicator needs both a good and a total query."}
            )
        if self.is_support:
            self._clean_support()
        elif self.priority or self.calendar_id or self.pause_on:
            field = "priority" if self.priority else "calendar" if self.calendar_id else "pause_on"
            raise ValidationError({field: "Only support indicators have a priority and hours."})

    def _clean_support(self):
        errors = {}
        if not self.priority:
            errors["priority"] = "A support indicator needs a priority (P1-P4)."
        if self.threshold is None:
            errors["threshold"] = "A support indicator needs its target in minutes."
        if self.pause_on in (None, "", []):
            self.pause_on = [str(status) for status in DEFAULT_PAUSE_ON[self.kind]]
        elif not isinstance(self.pause_on, list) or any(
            status not in TicketStatus.values for status in self.pause_on
        ):
            errors["pause_on"] = (
                f"A list of ticket statuses among {', '.join(TicketStatus.values)}; "
                f"not {self.pause_on!r}."
            )
        elif set(self.pause_on) & {TicketStatus.SOLVED, TicketStatus.CLOSED}:
            errors["pause_on"] = "Solved and closed stop the clock; they cannot pause it."
        else:
            self.pause_on = sorted(set(self.pause_on), key=TicketStatus.values.index)
        if not self.unit:
            self.unit = "min"
        if errors:
            raise ValidationError(errors)
