"""Reads over SLI samples: window sums, calendar-period totals and SLO status, all in SQL.

A sample belongs to a window when its start lies in [start, end): buckets are attributed to the
window (or calendar period) in which they begin, so no bucket is ever counted twice.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, Func, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from apps.slos.choices import BudgetingMethod

from . import maths
from .models import SLISample

PERIODS = ("month", "quarter")
# Targets carry at most 4 decimal places, so "good/total ≥ t %" is exactly
# good × 10^6 ≥ total × (t × 10^4) in integers, with no float rounding in either database.
_SCALE = 1_000_000


@dataclass(frozen=True)
class PeriodTotals:
    """Counts of one calendar period; attainment None when there were no events ("no data")."""

    period_start: date
    good: int
    total: int
    attainment: Decimal | None


def window_totals(indicator_id: int, start: datetime, end: datetime) -> tuple[int, int]:
    """(Σgood, Σtotal) of the samples of one indicator starting in [start, end)."""
    sums = SLISample.objects.filter(
        indicator_id=indicator_id, start__gte=start, start__lt=end
    ).aggregate(good=Coalesce(Sum("good"), 0), total=Coalesce(Sum("total"), 0))
    return int(sums["good"]), int(sums["total"])


def _scaled(slice_target) -> int:
    return int(Decimal(slice_target).scaleb(4).to_integral_value())


def _good_slice(first_condition: Q, slice_target) -> Q:
    """A bucket with events whose own ratio meets ``slice_target`` % (needs ``scaled_good``)."""
    return first_condition & Q(total__gt=0, scaled_good__gte=F("total") * _scaled(slice_target))


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"Unknown period {period!r}: expected month or quarter.")


class PeriodIndex(Func):
    """The index of the period a sample starts in, given the periods' first instants in order:
    0 for the first period (whose first instant no row precedes: the rows are filtered by it).

    Comparisons with instants computed once in Python, instead of converting every row's start
    to the calendar of a timezone and truncating it (a quarter of a year's GROUP BY). PostgreSQL
    looks the instant up in the sorted array (width_bucket, 1-based); elsewhere a CASE.
    """

    output_field = IntegerField()

    def __init__(self, field: str, instants: list[datetime]):
        self.instants = instants
        whens = [
            When(**{f"{field}__lt": instant}, then=Value(index))
            for index, instant in enumerate(instants[1:])
        ]
        case = Case(*whens, default=Value(len(instants) - 1), output_field=IntegerField())
        super().__init__(F(field), case)

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[1])

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(width_bucket({sql}, %s::timestamptz[]) - 1)", [*params, self.instants]


def _period_instants(period: str, start: datetime, end: datetime, zone) -> list[datetime]:
    """The first instant, in ``zone``, of every period overlapping [start, end)."""
    last_instant = end - timedelta(microseconds=1)
    starts = maths.period_starts(
        period, start.astimezone(zone).date(), last_instant.astimezone(zone).date()
    )
    return [datetime.combine(first, time.min, tzinfo=zone) for first in starts]


def _period_rows(
    indicator_ids, period: str, start: datetime, end: datetime, tz: str, slice_target=None
):
    """One GROUP BY (indicator, calendar period in ``tz``) over the samples in [start, end),
    and the first day of each period, which the rows' period indexes refer to."""
    _check_period(period)
    instants = _period_instants(period, start, end, zoneinfo.ZoneInfo(tz))
    queryset = (
        SLISample.objects.filter(indicator_id__in=indicator_ids, start__gte=start, start__lt=end)
        .order_by()
        .annotate(bucket=PeriodIndex("start", instants))
        .values("indicator_id", "bucket")
    )
    if slice_target is None:
        queryset = queryset.annotate(good_sum=Sum("good"), total_sum=Sum("total"))
    else:
        # Slices without events are no data: neither good nor counted.
        queryset = queryset.alias(scaled_good=F("good") * Value(_SCALE)).annotate(
            good_sum=Count("start", filter=_good_slice(Q(), slice_target)),
            total_sum=Count("start", filter=Q(total__gt=0)),
        )
    rows = queryset.values_list("indicator_id", "bucket", "good_sum", "total_sum")
    return rows, [instant.date() for instant in instants]


def _fill_periods(rows, indicator_ids, starts: list[date]) -> dict[int, list[PeriodTotals]]:
    """Every period (``starts``) for every indicator; periods without rows are no data."""
    found: dict[tuple[int, date], tuple[int, int]] = {}
    for indicator_id, bucket, good, total in rows:
        found[(indicator_id, starts[bucket])] = (int(good or 0), int(total or 0))
    result = {}
    for indicator_id in indicator_ids:
        periods = []
        for first in starts:
            good, total = found.get((indicator_id, first), (0, 0))
            periods.append(PeriodTotals(first, good, total, maths.attainment(good, total)))
        result[indicator_id] = periods
    return result


def period_totals(
    indicator_ids: list[int], period: str, start: datetime, end: datetime, tz: str = "UTC"
) -> dict[int, list[PeriodTotals]]:
    """Σgood and Σtotal per calendar month or quarter in timezone ``tz``, per indicator.

    One GROUP BY in SQL. Every period overlapping [start, end) is listed, oldest first; a period
    without events has attainment None (no data), never a breach.
    """
    rows, starts = _period_rows(indicator_ids, period, start, end, tz)
    return _fill_periods(rows, list(indicator_ids), starts)


def period_timeslices(
    indicator_ids: list[int],
    period: str,
    start: datetime,
    end: datetime,
    slice_target,
    tz: str = "UTC",
) -> dict[int, list[PeriodTotals]]:
    """Timeslices budgeting: per period, good = buckets whose ratio meets ``slice_target`` %,
    total = buckets with events; attainment is their share. One GROUP BY in SQL."""
    rows, starts = _period_rows(indicator_ids, period, start, end, tz, slice_target=slice_target)
    return _fill_periods(rows, list(indicator_ids), starts)


def window_timeslices(
    indicator_id: int, start: datetime, end: datetime, slice_target
) -> tuple[int, int]:
    """(good slices, slices with events) of one indicator starting in [start, end)."""
    counts = (
        SLISample.objects.filter(indicator_id=indicator_id, start__gte=start, start__lt=end)
        .alias(scaled_good=F("good") * Value(_SCALE))
        .aggregate(
            good=Count("start", filter=_good_slice(Q(), slice_target)),
            total=Count("start", filter=Q(total__gt=0)),
        )
    )
    return int(counts["good"]), int(counts["total"])


# --- SLO status -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SloStatus:
    """Where an SLO stands at an instant: attainment, budget, burn rates and firing alerts."""

    at: datetime
    window_start: datetime
    window_end: datetime
    window_seconds: int
    target: Decimal
    good: int
    total: int
    attainment: Decimal | None
    budget_consumed: Decimal | None
    budget_remaining: Decimal | None
    burn_rates: dict[str, Decimal | None]
    alerts: list[maths.Alert]

    @property
    def no_data(self) -> bool:
        return self.attainment is None


def slo_status(slo, at: datetime) -> SloStatus:
    """The SLO's window attainment and the burn rate of every lookback, in ONE query.

    Conditional aggregation: one SUM (or COUNT, for timeslices) per lookback over the samples
    from the earliest instant any of them needs up to ``at``.
    """
    zone = zoneinfo.ZoneInfo(slo.timezone or "UTC")
    window_start, window_end = maths.window_bounds(slo.window, at.astimezone(zone))
    # Alert thresholds scale with the whole window, also while a calendar period is under way.
    period = f"{window_start:%Y-%m}" if slo.window in maths.CALENDAR_WINDOWS else None
    seconds = maths.window_seconds(slo.window, period)
    since = {name: at - timedelta(seconds=s) for name, s in maths.LOOKBACK_SECONDS.items()}
    since["window"] = window_start
    earliest = min(since.values())

    timeslices = slo.budgeting_method == BudgetingMethod.TIMESLICES
    aggregates = {}
    for name, first in since.items():
        in_range = Q(start__gte=first)
        if timeslices:
            good_filter = _good_slice(in_range, slo.timeslice_target)
            aggregates[f"good_{name}"] = Count("start", filter=good_filter)
            aggregates[f"total_{name}"] = Count("start", filter=in_range & Q(total__gt=0))
        else:
            aggregates[f"good_{name}"] = Sum("good", filter=in_range)
            aggregates[f"total_{name}"] = Sum("total", filter=in_range)
    sums = (
        SLISample.objects.filter(indicator_id=slo.indicator_id, start__gte=earliest, start__lt=at)
        .alias(scaled_good=F("good") * Value(_SCALE))
        .aggregate(**aggregates)
    )

    def totals(name):
        return int(sums[f"good_{name}"] or 0), int(sums[f"total_{name}"] or 0)

    good, total = totals("window")
    attained = maths.attainment(good, total)
    rates = {name: maths.burn_rate(*totals(name), slo.target) for name in maths.LOOKBACK_SECONDS}
    return SloStatus(
        at=at,
        window_start=window_start,
        window_end=window_end,
        window_seconds=seconds,
        target=Decimal(slo.target),
        good=good,
        total=total,
        attainment=attained,
        budget_consumed=maths.budget_consumed(attained, slo.target),
        budget_remaining=maths.budget_remaining(attained, slo.target),
        burn_rates=rates,
        alerts=maths.evaluate_alerts(rates, seconds),
    )
