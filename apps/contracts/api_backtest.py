"""POST /api/v1/backtest/: a proposed SLA replayed on the SLI history.

The backtest input is validated by one serializer, shared with the sales form's HTML preview
(backtest_views.backtest_preview), so that both name the same field for the same mistake.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Indicator
from apps.core.api import RefuseUnknownFields
from apps.core.validators import validate_target_percent
from apps.measurements import maths
from apps.measurements.api_gate import attainment_string
from apps.measurements.risk import LevelHistory, level_history, level_history_periods
from apps.measurements.selectors import period_totals
from apps.slos.alignment import required_slo_target
from apps.slos.choices import BudgetingMethod
from apps.slos.selectors import AlignmentResult, evaluate_alignment

from .backtest import PERIODS_PER_YEAR, Backtest, run_backtest
from .choices import Period
from .credits import Tier, overlapping
from .models import CreditSchedule

DEFAULT_PERIODS = 12
MAX_PERIODS = 120


def may_backtest(user) -> bool:
    return user.is_authenticated and user.has_perm("contracts.view_commitment")


class TierSerializer(RefuseUnknownFields, serializers.Serializer):
    lower = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True, default=None)
    upper = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True, default=None)
    credit_percent = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    lower_inclusive = serializers.BooleanField(default=True)
    upper_inclusive = serializers.BooleanField(default=False)

    def validate(self, attrs):
        lower, upper = attrs["lower"], attrs["upper"]
        if lower is not None and upper is not None and lower >= upper:
            raise serializers.ValidationError({"upper": "The upper bound must be above the lower."})
        return attrs


class BacktestInputSerializer(RefuseUnknownFields, serializers.Serializer):
    """What to replay: a target on an indicator's history, with a credit schedule and a fee."""

    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all())
    target = serializers.DecimalField(
        max_digits=7, decimal_places=4, validators=[validate_target_percent]
    )
    period = serializers.ChoiceField(choices=Period.choices, default=Period.MONTH)
    credit_schedule = serializers.PrimaryKeyRelatedField(
        queryset=CreditSchedule.objects.prefetch_related("tiers"), required=False, allow_null=True
    )
    tiers = TierSerializer(many=True, required=False)
    cap_percent = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    monthly_fee = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, default=Decimal(0)
    )
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    timezone = serializers.CharField(default="UTC")

    def validate_timezone(self, value):
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise serializers.ValidationError(f"Unknown timezone {value!r}.") from error
        return value

    def validate(self, attrs):
        if attrs.get("credit_schedule") and attrs.get("tiers"):
            raise serializers.ValidationError(
                {"tiers": "Give either credit_schedule or tiers, not both."}
            )
        tiers = [Tier(**tier) for tier in attrs.get("tiers") or []]
        clash = overlapping(tiers)
        if clash:
            raise serializers.ValidationError(
                {"tiers": f"Tiers {clash[0] + 1} and {clash[1] + 1} overlap."}
            )
        start, end = attrs.get("start"), attrs.get("end")
        if (start is None) != (end is None):
            missing = "end" if end is None else "start"
            raise serializers.ValidationError({missing: "Give both start and end, or neither."})
        if start is not None and end <= start:
            raise serializers.ValidationError({"end": "The end must be after the start."})
        if start is not None:
            step = 3 if attrs["period"] == Period.QUARTER else 1
            months = (end.year - start.year) * 12 + end.month - start.month
            if months / step > MAX_PERIODS:
                raise serializers.ValidationError(
                    {"start": f"A backtest covers at most {MAX_PERIODS} periods."}
                )
        return attrs


@dataclass(frozen=True)
class BacktestReport:
    """A backtest with what the policy and the SLO say about the same target."""

    indicator: Indicator
    target: Decimal
    period: str
    start: date
    end: date
    monthly_fee: Decimal
    result: Backtest
    alignment: AlignmentResult
    required_slo_target: Decimal | None
    slo_level: LevelHistory | None

    @property
    def unit(self) -> str:
        return "quarters" if self.period == Period.QUARTER else "months"


def _local_midnight(day: date, zone) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _reusable_periods(slo, totals, data, zone, period) -> list | None:
    """The SLO's own recent periods when this backtest already read them (same indicator,
    calendar, counting and default range): saves a second scan of the same year."""
    slo_period, count = level_history_periods(slo)
    same_history = (
        slo.indicator_id == data["indicator"].pk
        and slo_period == period
        and (slo.timezone or "UTC") == str(zone)
        and slo.budgeting_method == BudgetingMethod.OCCURRENCES
        and not data.get("start")
    )
    return totals[-count:] if same_history and len(totals) >= count else None


def backtest_report(data: dict, *, at: datetime | None = None) -> BacktestReport:
    """Run a validated backtest: one GROUP BY over the history, then the pure maths."""
    indicator, period, target = data["indicator"], data["period"], data["target"]
    zone = zoneinfo.ZoneInfo(data.get("timezone") or "UTC")
    step = 3 if period == Period.QUARTER else 1
    if data.get("start"):
        first = maths.period_start(data["start"], period)
        after = data["end"]
    else:
        # The last full periods, in the indicator's local calendar.
        after = maths.period_start((at or timezone.now()).astimezone(zone).date(), period)
        first = maths.add_months(after, -DEFAULT_PERIODS * step)
    totals = period_totals(
        [indicator.pk],
        period,
        _local_midnight(first, zone),
        _local_midnight(after, zone),
        str(zone),
    )[indicator.pk]
    schedule = data.get("credit_schedule")
    if schedule is not None:
        tiers, cap = schedule.as_tiers(), schedule.cap_percent
    else:
        tiers, cap = [Tier(**tier) for tier in data.get("tiers") or []], data.get("cap_percent")
    result = run_backtest(
        [(p.period_start, p.attainment) for p in totals],
        target=target,
        tiers=tiers,
        cap_percent=cap,
        monthly_fee=data["monthly_fee"],
        periods_per_year=PERIODS_PER_YEAR[period],
    )
    aligned = evaluate_alignment(indicator, target)
    required = required_slo_target(target, aligned.policy)
    level = None
    if aligned.slo is not None and required is not None:
        level = level_history(
            aligned.slo,
            required,
            at=at,
            periods=_reusable_periods(aligned.slo, totals, data, zone, period),
        )
    return BacktestReport(
        indicator,
        target,
        period,
        first,
        after,
        data["monthly_fee"],
        result,
        aligned,
        required,
        level,
    )


def _string(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def report_json(report: BacktestReport) -> dict:
    result, aligned, level = report.result, report.alignment, report.slo_level
    return {
        "indicator": report.indicator.pk,
        "target": str(report.target),
        "period": report.period,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "periods": [
            {
                "start": p.start.isoformat(),
                "attainment": attainment_string(p.attainment),
                "breached": p.breached,
                "credit_percent": str(p.credit_percent),
                "credit_amount": str(p.credit_amount),
            }
            for p in result.periods
        ],
        "breaches": result.breaches,
        "periods_with_data": result.periods_with_data,
        "breach_rate": _string(result.breach_rate),
        "total_credits": str(result.total_credits),
        "expected_annual_credits": _string(result.expected_annual_credits),
        "safest_target": _string(result.safest_target),
        "policy_safe_maximum": _string(aligned.safe_maximum),
        "verdict": aligned.verdict.value,
        "slo": None
        if aligned.slo is None
        else {
            "id": aligned.slo.pk,
            "target": str(aligned.slo.target),
            "window": aligned.slo.window,
        },
        "at_risk": aligned.at_risk,
        "at_risk_reasons": list(aligned.at_risk_reasons),
        "required_slo_target": _string(report.required_slo_target),
        "slo_met_required": None
        if level is None
        else {
            "met": level.met,
            "measured": level.measured,
            "of_last": level.count,
            "period": level.period,
            "streak": level.streak,
        },
    }


# --- response shapes, for the OpenAPI schema ---------------------------------------------------


class BacktestPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    attainment = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    breached = serializers.BooleanField()
    credit_percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    credit_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class LevelHistorySerializer(serializers.Serializer):
    met = serializers.IntegerField()
    measured = serializers.IntegerField()
    of_last = serializers.IntegerField()
    period = serializers.CharField()
    streak = serializers.IntegerField()


class BacktestResultSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    target = serializers.DecimalField(max_digits=7, decimal_places=4)
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Exclusive.")
    periods = BacktestPeriodSerializer(many=True)
    breaches = serializers.IntegerField()
    periods_with_data = serializers.IntegerField()
    breach_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    total_credits = serializers.DecimalField(max_digits=14, decimal_places=2)
    expected_annual_credits = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True
    )
    safest_target = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    policy_safe_maximum = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    verdict = serializers.CharField()
    slo = serializers.DictField(allow_null=True)
    at_risk = serializers.BooleanField()
    at_risk_reasons = serializers.ListField(child=serializers.CharField())
    required_slo_target = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    slo_met_required = LevelHistorySerializer(allow_null=True)


class BacktestView(APIView):
    """Replay a proposed SLA on the SLI history: breaches, credits, the safest target."""

    @extend_schema(request=BacktestInputSerializer, responses={200: BacktestResultSerializer})
    def post(self, request):
        if not may_backtest(request.user):
            raise PermissionDenied("You may not backtest commitments.")
        serializer = BacktestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(report_json(backtest_report(serializer.validated_data)))


urlpatterns = [path("backtest/", BacktestView.as_view(), name="backtest")]
