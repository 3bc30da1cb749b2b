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
    result = []
    for counts in period_counts(months, period):
        if not in_force(counts.start, period, first_month, last_month):
            continue
        attained = maths.attainment(counts.good, counts.total)
        percent = credits.credit_percent(tiers, attained, cap_percent)
        result.append(
            PeriodCredit(
                start=counts.start,
                attainment=attained,
                breached=target is not None and attained is not None and attained < target,
                percent=percent,
                amount=credits.credit_amount(percent, monthly_fee),
            )
        )
    return result
