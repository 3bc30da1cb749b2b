"""Is an SLO itself being missed, and for how long has it met a level?

AT_RISK: an SLO is at risk when its own measured attainment missed its target in any
of the last N full periods (calendar months for month and rolling windows, quarters for quarter
windows, in the SLO's timezone), or when its error budget over the current window is exhausted.

Everything here is batched: ``slo_risks`` answers for many SLOs in two queries (one GROUP BY per
calendar-period kind and one conditional aggregation for every window budget), so that lists can
precompute risks once and pass them to ``evaluate_alignment``.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.utils import timezone

from apps.core.formatting import percent
from apps.slos.alignment import fmt
from apps.slos.choices import BudgetingMethod, SloWindow

from . import maths
from .maths import periods_met, recent_streak
from .models import SLISample
from .selectors import PeriodTotals, period_timeslices, period_totals

RECENT_PERIODS = 3
# Targets carry at most 4 places, so comparing good × 10^6 with total × (slice target × 10^4)
# decides a good slice in integers, as the selectors do.
_SCALE = 1_000_000


def slo_period(slo) -> str:
    """The calendar period an SLO is judged over: quarters for quarterly SLOs, else months."""
    return "quarter" if slo.window == SloWindow.QUARTER else "month"


def full_periods_bounds(
    period: str, count: int, at: datetime, tz: str
) -> tuple[datetime, datetime]:
    """[start, end) of the ``count`` full calendar periods before the one holding ``at``."""
    zone = zoneinfo.ZoneInfo(tz or "UTC")
    current = maths.period_start(at.astimezone(zone).date(), period)
    first = maths.add_months(current, -count * (3 if period == "quarter" else 1))
    return _local_midnight(first, zone), _local_midnight(current, zone)


def _local_midnight(day: date, zone) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def slo_history(slos: Iterable, *, count: int, at: datetime | None = None) -> dict[int, list]:
    """Per SLO id, (period start, PeriodTotals) of its last ``count`` full periods.

    One GROUP BY per (period kind, timezone, budgeting) group; usually a single query.
    """
    at = at or timezone.now()
    groups = defaultdict(list)
    for slo in slos:
        timeslices = slo.budgeting_method == BudgetingMethod.TIMESLICES
        key = (slo_period(slo), slo.timezone or "UTC", slo.timeslice_target if timeslices else None)
        groups[key].append(slo)
    history = {}
    for (period, tz, slice_target), members in groups.items():
        start, end = full_periods_bounds(period, count, at, tz)
        ids = sorted({slo.indicator_id for slo in members})
        if slice_target is None:
            totals = period_totals(ids, period, start, end, tz=tz)
        else:
            totals = period_timeslices(ids, period, start, end, slice_target, tz=tz)
        for slo in members:
            history[slo.pk] = totals[slo.indicator_id]
    return history


@dataclass(frozen=True)
class WindowBudget:
    """An SLO's error budget over its current window."""

    window_start: datetime
    good: int
    total: int
    attainment: Decimal | None
    remaining: Decimal | None

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def _good_slice(slice_target) -> Q:
    scaled = int(Decimal(slice_target).scaleb(4).to_integral_value())
    return Q(total__gt=0, scaled_good__gte=F("total") * scaled)


def window_budgets(slos: Iterable, *, at: datetime | None = None) -> dict[int, WindowBudget]:
    """Per SLO id, its budget over its current window: ONE conditional aggregation for all."""
    at = at or timezone.now()
    slos = list(slos)
    if not slos:
        return {}
    starts, aggregates = {}, {}
    for slo in slos:
        zone = zoneinfo.ZoneInfo(slo.timezone or "UTC")
        start, _ = maths.window_bounds(slo.window, at.astimezone(zone))
        starts[slo.pk] = start
        in_window = Q(indicator_id=slo.indicator_id, start__gte=start)
        if slo.budgeting_method == BudgetingMethod.TIMESLICES:
            # Counted on "start", never "id": samples have a composite key and no id column.
            aggregates[f"good_{slo.pk}"] = Count(
                "start", filter=in_window & _good_slice(slo.timeslice_target)
            )
            aggregates[f"total_{slo.pk}"] = Count("start", filter=in_window & Q(total__gt=0))
        else:
            aggregates[f"good_{slo.pk}"] = Sum("good", filter=in_window)
            aggregates[f"total_{slo.pk}"] = Sum("total", filter=in_window)
    sums = (
        SLISample.objects.filter(
            indicator_id__in={slo.indicator_id for slo in slos},
            start__gte=min(starts.values()),
            start__lt=at,
        )
        .alias(scaled_good=F("good") * Value(_SCALE))
        .aggregate(**aggregates)
    )
    budgets = {}
    for slo in slos:
        good, total = int(sums[f"good_{slo.pk}"] or 0), int(sums[f"total_{slo.pk}"] or 0)
        attained = maths.attainment(good, total)
        budgets[slo.pk] = WindowBudget(
            starts[slo.pk], good, total, attained, maths.budget_remaining(attained, slo.target)
        )
    return budgets


@dataclass(frozen=True)
class SloRisk:
    """Whether an SLO is being missed, and the figures that say so."""

    at_risk: bool
    reasons: tuple[str, ...] = ()
    missed: tuple[PeriodTotals, ...] = ()
    budget: WindowBudget | None = None


NOT_AT_RISK = SloRisk(False)


def share_spent(remaining: Decimal) -> str:
    """The share of a budget spent, in whole percent ("1000 %"; "all of a zero" for 100 % SLOs)."""
    spent = (1 - remaining) * 100
    if not spent.is_finite():
        return "all of a zero"
    return f"{fmt(spent.quantize(Decimal(1)))} %"


def period_label(start: date, period: str) -> str:
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def _window_label(slo) -> str:
    return SloWindow(slo.window).label.lower()


def slo_risks(
    slos: Iterable, *, at: datetime | None = None, periods: int = RECENT_PERIODS
) -> dict[int, SloRisk]:
    """AT_RISK for many SLOs at once (two queries whatever their number)."""
    slos = [slo for slo in slos if slo is not None]
    if not slos:
        return {}
    at = at or timezone.now()
    history = slo_history(slos, count=periods, at=at)
    budgets = window_budgets(slos, at=at)
    risks = {}
    for slo in slos:
        period = slo_period(slo)
        unit = "quarters" if period == "quarter" else "months"
        missed = tuple(
            p for p in history[slo.pk] if p.attainment is not None and p.attainment < slo.target
        )
        reasons = []
        if missed:
            figures = ", ".join(
                f"{period_label(p.period_start, period)} {percent(p.attainment)}" for p in missed
            )
            reasons.append(
                f"The SLO missed its own {fmt(slo.target)} % target in {len(missed)} of the "
                f"last {periods} {unit}: {figures}."
            )
        budget = budgets[slo.pk]
        if budget.exhausted:
            reasons.append(
                f"The SLO's error budget over its window ({_window_label(slo)}) is exhausted: "
                f"attainment {percent(budget.attainment)} against {fmt(slo.target)} %, "
                f"{share_spent(budget.remaining)} of the budget spent."
            )
        risks[slo.pk] = SloRisk(bool(reasons), tuple(reasons), missed, budget)
    return risks


# --- tighten the SLO first -------------------------------------------------------------------


@dataclass(frozen=True)
class LevelHistory:
    """How often an SLO's measured attainment met a level over its recent full periods."""

    level: Decimal
    period: str
    met: int
    measured: int
    count: int
    streak: int
    periods: tuple[PeriodTotals, ...] = field(default=())

    @property
    def unit(self) -> str:
        return "quarters" if self.period == "quarter" else "months"

    def sentence(self) -> str:
        if not self.measured:
            return f"There is no measured attainment for the last {self.count} {self.unit}."
        return (
            f"Its measured attainment met {fmt(self.level)} % in {self.met} of the last "
            f"{self.count} {self.unit} ({self.streak} in a row most recently)."
        )


def level_history_periods(slo) -> tuple[str, int]:
    """The periods level_history reads: the last 12 months, or 4 quarters for quarterly SLOs."""
    period = slo_period(slo)
    return period, 4 if period == "quarter" else 12


def level_history(
    slo, level: Decimal, *, at: datetime | None = None, periods: list | None = None
) -> LevelHistory:
    """How long the SLO has met ``level`` over its recent full periods. One query, or none
    when the caller already holds those ``periods`` (PeriodTotals of level_history_periods)."""
    period, count = level_history_periods(slo)
    if periods is None:
        periods = slo_history([slo], count=count, at=at)[slo.pk]
    pairs = [(p.period_start, p.attainment) for p in periods]
    met, measured = periods_met(pairs, level)
    return LevelHistory(
        Decimal(level), period, met, measured, count, recent_streak(pairs, level), tuple(periods)
    )
