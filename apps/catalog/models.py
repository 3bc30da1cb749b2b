from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .choices import IndicatorKind, IndicatorSource


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
    description = models.TextField(blank=True)
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
    good_query = models.TextField(blank=True, help_text="PromQL counting good events.")
    total_query = models.TextField(blank=True, help_text="PromQL counting all events.")
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

    def clean(self):
        if self.source == IndicatorSource.PROMETHEUS and not (self.good_query and self.total_query):
            raise ValidationError(
                {"good_query": "A Prometheus indicator needs both a good and a total query."}
            )
