"""The backtest of SLA lines already written, for engineering's sign-off in the admin.

The change page of a line runs the very report of the backtest API and the sales form's preview
(api_backtest.backtest_report) on the line's own terms: its indicator, target, period and credit
schedule, with its contract's monthly fee and timezone (the calendar the contract is measured in).

The approve/reject page summarises many lines at once in a fixed number of queries: one GROUP BY
of monthly counts per contract timezone in the selection (usually one; quarters are summed from
their months) and one for the schedules' tiers, then the same pure maths (backtest.run_backtest)
per line, over the same last full periods as the report.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.utils import timezone

from apps.core.formatting import money, percent
from apps.measurements import maths, periods
from apps.measurements.risk import period_label
from apps.measurements.selectors import period_totals
from apps.slos.alignment import fmt

from .api_backtest import DEFAULT_PERIODS, BacktestReport, backtest_report
from .backtest import PERIODS_PER_YEAR, Backtest, run_backtest
from .choices import Period
from .credits import Tier
from .models import CreditTier


def _zone_name(line) -> str:
    return line.contract.timezone or "UTC"


def line_report(line, *, at: datetime | None = None) -> BacktestReport:
    """The backtest report of one line, as the API would answer for the same terms."""
    return backtest_report(
        {
            "indicator": line.indicator,
            "target": line.target,
            "period": line.period,
            "credit_schedule": line.credit_schedule,
            "monthly_fee": line.contract.monthly_fee,
            "timezone": _zone_name(line),
        },
        at=at,
    )


def _unit(period: str) -> str:
    return "quarters" if period == Period.QUARTER else "months"


def report_context(report: BacktestReport, *, currency: str, has_schedule: bool) -> dict:
    """What the admin's history section shows: every period, the rates and the limits."""
    result, aligned = report.result, report.alignment
    slo, required = aligned.slo, report.required_slo_target
    return {
        "report": report,
        "result": result,
        "unit": report.unit,
        "count": len(result.periods),
        "target": fmt(report.target),
        "has_schedule": has_schedule,
        "fee": money(report.monthly_fee, currency),
        "rows": [
            {
                "label": period_label(p.start, report.period),
                "attainment": percent(p.attainment),
                "breached": p.breached,
                "credit_percent": f"{fmt(p.credit_percent)} %",
                "credit_amount": money(p.credit_amount, currency),
            }
            for p in result.periods
        ],
        "breach_rate": None if result.breach_rate is None else f"{fmt(result.breach_rate * 100)} %",
        "total_credits": money(result.total_credits, currency),
        "annual_credits": money(result.expected_annual_credits, currency),
        "safest": None if result.safest_target is None else f"{fmt(result.safest_target)} %",
        "safe_maximum": None if aligned.safe_maximum is None else f"{fmt(aligned.safe_maximum)} %",
        "slo_target": None if slo is None else f"{fmt(slo.target)} %",
        "required": None if required is None else f"{fmt(required)} %",
        "needs_tighter_slo": slo is not None and required is not None and slo.target < required,
        "level": report.slo_level,
    }


def summary_sentence(result: Backtest, *, period: str, currency: str, has_schedule: bool) -> str:
    """One line for the approve/reject page: breaches, credits, the safest target."""
    count, unit = len(result.periods), _unit(period)
    if not result.periods_with_data:
        return f"no measurements in the last {count} {unit}: nothing to backtest"
    with_data = (
        "" if result.periods_with_data == count else f" ({result.periods_with_data} with data)"
    )
    if result.breaches:
        text = f"would have breached in {result.breaches} of the last {count} {unit}{with_data}"
    else:
        text = f"would have been met in all of the last {count} {unit}{with_data}"
    if has_schedule:
        text += f", ≈ {money(result.total_credits, currency)} in credits"
    else:
        text += ", no credit schedule to cost it"
    return f"{text}; history met at most {fmt(result.safest_target)} %"


# --- many lines at once ----------------------------------------------------------------------


def _bounds(today: date, period: str) -> tuple[date, date]:
    """The last DEFAULT_PERIODS full periods before ``today``, as backtest_report takes them."""
    after = maths.period_start(today, period)
    step = 3 if period == Period.QUARTER else 1
    return maths.add_months(after, -DEFAULT_PERIODS * step), after


def _local_midnight(day: date, zone) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _monthly_history(lines: list, at: datetime) -> dict[tuple[str, int], list]:
    """Monthly PeriodTotals per (timezone, indicator): one GROUP BY per timezone."""
    by_zone: dict[str, set[int]] = defaultdict(set)
    for line in lines:
        by_zone[_zone_name(line)].add(line.indicator_id)
    found = {}
    for tz, indicator_ids in sorted(by_zone.items()):
        zone = zoneinfo.ZoneInfo(tz)
        today = at.astimezone(zone).date()
        periods = {line.period for line in lines if _zone_name(line) == tz}
        first = min(_bounds(today, period)[0] for period in periods)
        after = maths.period_start(today, Period.MONTH)
        totals = period_totals(
            sorted(indicator_ids), Period.MONTH, _local_midnight(first, zone),
            _local_midnight(after, zone), tz,
        )  # fmt: skip
        for indicator_id, months in totals.items():
            found[(tz, indicator_id)] = months
    return found


def _history(months: list, period: str, first: date, after: date) -> list:
    """(period start, attainment) of each period in [first, after), made of its months by the
    periods engine (``apps/measurements/periods.py``): the periods of the dashboards and the
    review packets."""
    counts = [periods.Counts(m.period_start, m.good, m.total) for m in months]
    return [
        (c.start, c.attainment)
        for c in periods.period_counts(counts, period)
        if first <= c.start < after
    ]


def _schedules(schedule_ids: set[int]) -> dict[int, list[Tier]]:
    tiers: dict[int, list[Tier]] = defaultdict(list)
    if schedule_ids:
        for tier in CreditTier.objects.filter(schedule_id__in=schedule_ids):
            tiers[tier.schedule_id].append(tier.as_tier())
    return tiers


def line_backtests(lines: Iterable, *, at: datetime | None = None) -> dict[int, Backtest]:
    """The backtest of each line (needs ``contract`` and ``credit_schedule`` loaded), keyed by
    pk: the figures line_report gives, in one query per contract timezone plus one for tiers."""
    lines = list(lines)
    if not lines:
        return {}
    at = at or timezone.now()
    months = _monthly_history(lines, at)
    tiers = _schedules({line.credit_schedule_id for line in lines if line.credit_schedule_id})
    results = {}
    for line in lines:
        tz = _zone_name(line)
        first, after = _bounds(at.astimezone(zoneinfo.ZoneInfo(tz)).date(), line.period)
        schedule = line.credit_schedule
        results[line.pk] = run_backtest(
            _history(months[(tz, line.indicator_id)], line.period, first, after),
            target=line.target,
            tiers=tiers.get(line.credit_schedule_id, []),
            cap_percent=None if schedule is None else schedule.cap_percent,
            monthly_fee=line.contract.monthly_fee,
            periods_per_year=PERIODS_PER_YEAR[line.period],
        )
    return results


def line_summaries(lines: Iterable, *, at: datetime | None = None) -> dict[int, str]:
    """One sentence per line for the approve/reject page, keyed by pk."""
    lines = list(lines)
    backtests = line_backtests(lines, at=at)
    return {
        line.pk: summary_sentence(
            backtests[line.pk],
            period=line.period,
            currency=line.contract.currency,
            has_schedule=line.credit_schedule_id is not None,
        )
        for line in lines
    }


class LazySummaries:
    """``row_details`` for the approve/reject page: the whole selection is backtested on the
    first row asked for (never when the action is merely applied), then read per line."""

    def __init__(self, lines: Iterable, *, at: datetime | None = None):
        self.lines, self.at, self.found = lines, at, None

    def __call__(self, line) -> str:
        if self.found is None:
            self.found = line_summaries(self.lines, at=self.at)
        return self.found[line.pk]
