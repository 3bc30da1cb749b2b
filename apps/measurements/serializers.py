"""Shapes of the measurement API: query parameters in, figures out (decimals as strings)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.core.api_fields import AwareDateTimeField
from apps.core.validators import validate_target_percent

from . import maths

FIGURE_PLACES = 6


def figure(value: Decimal | None, places: int = FIGURE_PLACES) -> str | None:
    """A decimal as a string with fixed places; None stays None (no data), ∞ is "Infinity"."""
    if value is None:
        return None
    if not value.is_finite():
        return "Infinity" if value > 0 else "-Infinity"
    return str(value.quantize(Decimal(1).scaleb(-places)))


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 2592, 259.2, 0.001."""
    text = format(value.normalize(), "f")
    return text


def duration_text(seconds: Decimal) -> str:
    """43m 12s, 8h 45m 36s, 4m 19.2s: how the availability tables print allowed downtime."""
    remaining = seconds
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        whole = int(remaining // size)
        if whole:
            parts.append(f"{whole}{unit}")
            remaining -= whole * size
    if remaining or not parts:
        parts.append(f"{plain(remaining.quantize(Decimal('0.001')))}s")
    return " ".join(parts)


class SampleSerializer(serializers.Serializer):
    """One sample as sent to POST /api/v1/sli-samples/ (documentation: parsing is vectorised)."""

    indicator = serializers.IntegerField(min_value=1)
    start = serializers.DateTimeField(help_text="ISO 8601 with offset; bucket start, inclusive.")
    end = serializers.DateTimeField(help_text="ISO 8601 with offset; bucket end, exclusive.")
    good = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)


class UpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class SloStatusQuerySerializer(serializers.Serializer):
    at = AwareDateTimeField(
        required=False, help_text="Instant to evaluate at (ISO 8601 with offset); default now."
    )


class AlertSerializer(serializers.Serializer):
    severity = serializers.CharField()
    long_window = serializers.CharField()
    short_window = serializers.CharField()
    threshold = serializers.CharField()
    long_burn_rate = serializers.CharField()
    short_burn_rate = serializers.CharField()
    budget_fraction = serializers.CharField()


class SloStatusSerializer(serializers.Serializer):
    """Where an SLO stands: attainment, error budget, burn rate per lookback, firing alerts."""

    slo = serializers.IntegerField()
    indicator = serializers.IntegerField()
    at = serializers.CharField()
    window = serializers.CharField()
    window_start = serializers.CharField()
    window_seconds = serializers.IntegerField()
    budgeting_method = serializers.CharField()
    target = serializers.CharField()
    good = serializers.IntegerField()
    total = serializers.IntegerField()
    no_data = serializers.BooleanField()
    attainment = serializers.CharField(allow_null=True)
    budget_consumed = serializers.CharField(allow_null=True)
    error_budget_remaining = serializers.CharField(allow_null=True)
    burn_rates = serializers.DictField(child=serializers.CharField(allow_null=True))
    alerts = AlertSerializer(many=True)


def status_data(slo, status) -> dict:
    return {
        "slo": slo.pk,
        "indicator": slo.indicator_id,
        "at": status.at.isoformat(),
        "window": slo.window,
        "window_start": status.window_start.isoformat(),
        "window_seconds": status.window_seconds,
        "budgeting_method": slo.budgeting_method,
        "target": str(slo.target),
        "good": status.good,
        "total": status.total,
        "no_data": status.no_data,
        "attainment": figure(status.attainment),
        "budget_consumed": figure(status.budget_consumed),
        "error_budget_remaining": figure(status.budget_remaining),
        "burn_rates": {name: figure(rate) for name, rate in status.burn_rates.items()},
        "alerts": [
            {
                "severity": alert.severity,
                "long_window": alert.long_window,
                "short_window": alert.short_window,
                "threshold": plain(alert.threshold),
                "long_burn_rate": figure(alert.long_burn_rate),
                "short_burn_rate": figure(alert.short_burn_rate),
                "budget_fraction": plain(alert.budget_fraction),
            }
            for alert in status.alerts
        ],
    }


class BudgetQuerySerializer(serializers.Serializer):
    target = serializers.DecimalField(
        max_digits=7, decimal_places=4, validators=[validate_target_percent]
    )
    window = serializers.ChoiceField(choices=maths.WINDOWS, default="30d")
    period = serializers.CharField(
        required=False,
        help_text="Calendar window only: YYYY-MM for month (2026-02 has 28 days), YYYY-Qn or "
        "YYYY-MM for quarter. Without it: 30 and 90 days.",
    )

    def validate(self, attrs):
        try:
            attrs["window_seconds"] = maths.window_seconds(attrs["window"], attrs.get("period"))
        except ValueError as error:
            raise serializers.ValidationError({"period": [str(error)]}) from error
        return attrs


class BudgetSerializer(serializers.Serializer):
    target = serializers.CharField()
    window = serializers.CharField()
    period = serializers.CharField(allow_null=True)
    window_seconds = serializers.IntegerField()
    error_budget = serializers.CharField(help_text="Fraction of events allowed to be bad.")
    allowed_downtime_seconds = serializers.CharField()
    allowed_downtime = serializers.CharField(help_text="The same, for people: 43m 12s.")


def budget_data(query: dict) -> dict:
    seconds = query["window_seconds"]
    downtime = maths.allowed_downtime_seconds(query["target"], seconds)
    return {
        "target": str(query["target"]),
        "window": query["window"],
        "period": query.get("period"),
        "window_seconds": seconds,
        "error_budget": plain(maths.error_budget(query["target"])),
        "allowed_downtime_seconds": plain(downtime),
        "allowed_downtime": duration_text(downtime),
    }
