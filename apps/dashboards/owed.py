"""Credits owed by SLA lines over past measurement periods: pure maths, no Django.

The figures are those of the annual review packets (DESIGN §6): per period the credit % of the
tier holding the attainment, capped, times the monthly fee — also for quarterly lines — and a
period counts when it overlaps the days the contract was in force. Only whole periods count:
a quarter is owed once its three months are measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.contracts import credits
from apps.measurements import maths


@dataclass(frozen=True)
class MonthCounts:
    """Σgood and Σtotal of one calendar month."""

    start: date
    good: int
    total: int


@dataclass(frozen=True)
class PeriodCredit:
    """What one line owes for one period (the amount per line: groups multiply it)."""

    start: date
    attainment: Decimal | None
    breached: bool
    percent: Decimal
    amount: Decimal


def period_counts(months: list[MonthCounts], period: str) -> list[MonthCounts]:
    """Months as they are, or summed into the quarters whose three months are all there."""
    if period == "month":
        return list(months)
    sums: dict[date, list[int]] = {}
    for month in months:
        start = maths.period_start(month.start, "quarter")
        counted = sums.setdefault(start, [0, 0, 0])
        counted[0] += month.good
        counted[1] += month.total
        counted[2] += 1
    return [
        MonthCounts(start, good, total)
        for start, (good, total, months_seen) in sorted(sums.items())
        if months_seen == 3
    ]


def in_force(start: date, period: str, first_month: date, last_month: date | None) -> bool:
    """Whether the period starting on ``start`` overlaps a term whose first and last days fall
    in the months starting ``first_month`` and ``last_month`` (None: no end)."""
    end = maths.add_months(start, 1 if period == "month" else 3)
    return first_month < end and (last_month is None or last_month >= start)


@dataclass(frozen=True)
class PeriodPercent:
    """The attainment of one whole period and the credit % a schedule gives it."""

    start: date
    attainment: Decimal | None
    percent: Decimal


def period_percents(
    months: list[MonthCounts],
    *,
    period: str,
    tiers: list[credits.Tier],
    cap_percent: Decimal | None,
) -> list[PeriodPercent]:
    """Per whole period, its attainment and credit %: the same for every line sharing the
    indicator, the period kind and the schedule, so callers compute it once for all of them."""
    result = []
    for counts in period_counts(months, period):
        attained = maths.attainment(counts.good, counts.total)
        result.append(
            PeriodPercent(
                counts.start, attained, credits.credit_percent(tiers, attained, cap_percent)
            )
        )
    return result


def owed_periods(
    percents: list[PeriodPercent],
    *,
    period: str,
    monthly_fee: Decimal,
    first_month: date,
    last_month: date | None,
    target: Decimal | None = None,
) -> list[PeriodCredit]:
    """The periods of ``percents`` in force for a line, with what the line owes for each and
    (given its target) whether it breached."""
    return [
        PeriodCredit(
            start=p.start,
            attainment=p.attainment,
            breached=target is not None and p.attainment is not None and p.attainment < target,
            percent=p.percent,
            amount=credits.credit_amount(p.percent, monthly_fee),
        )
        for p in percents
        if in_force(p.start, period, first_month, last_month)
    ]


def line_credits(
    months: list[MonthCounts],
    *,
    period: str,
    tiers: list[credits.Tier],
    cap_percent: Decimal | None,
    monthly_fee: Decimal,
    first_month: date,
    last_month: date | None,
    target: Decimal | None = None,
) -> list[PeriodCredit]:
    """Every whole period of ``months`` in force, with its attainment, credit and (given the
    line's target) whether it breached."""
    percents = period_percents(months, period=period, tiers=tiers, cap_percent=cap_percent)
    return owed_periods(
        percents,
        period=period,
        monthly_fee=monthly_fee,
        first_month=first_month,
        last_month=last_month,
        target=target,
    )
