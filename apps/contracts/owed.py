"""Credits owed by an SLA line per measurement period: pure maths, no Django.

Per period, the credit % of the tier holding the attainment, capped, times the monthly fee
(for quarterly lines too): the schedule alone decides, as the contract will. Which periods a
line has and which of them count is ``apps/measurements/periods.py``'s rule. The dashboards,
the review packets and the backtests all price a period here, so a line owes the same on each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.measurements import periods

from . import credits


@dataclass(frozen=True)
class PeriodCredit:
    """What one line owes for one period (the amount per line: groups multiply it)."""

    start: date
    attainment: Decimal | None
    breached: bool
    percent: Decimal
    amount: Decimal
    good: int = 0
    total: int = 0


def breached(attainment: Decimal | None, target: Decimal | None) -> bool:
    """Below target; a period without data is never a breach (nor is any without a target)."""
    return target is not None and attainment is not None and attainment < Decimal(target)


def period_credit(
    start: date,
    attainment: Decimal | None,
    *,
    tiers: list[credits.Tier],
    cap_percent: Decimal | None,
    monthly_fee: Decimal,
    target: Decimal | None = None,
    good: int = 0,
    total: int = 0,
) -> PeriodCredit:
    """What a line under this schedule and fee owes for a period of this attainment."""
    percent = credits.credit_percent(list(tiers), attainment, cap_percent)
    return PeriodCredit(
        start=start,
        attainment=attainment,
        breached=breached(attainment, target),
        percent=percent,
        amount=credits.credit_amount(percent, monthly_fee),
        good=good,
        total=total,
    )


@dataclass(frozen=True)
class PeriodPercent:
    """The counts of one period and the credit % a schedule gives them."""

    counts: periods.Counts
    attainment: Decimal | None
    percent: Decimal

    @property
    def start(self) -> date:
        return self.counts.start


def period_percents(
    months: list[periods.Counts],
    *,
    period: str,
    tiers: list[credits.Tier],
    cap_percent: Decimal | None,
) -> list[PeriodPercent]:
    """Per period of ``months``, its attainment and credit %: the same for every line sharing
    the indicator, the period kind and the schedule, so callers may compute it once for all."""
    result = []
    for counts in periods.period_counts(months, period):
        attained = counts.attainment
        result.append(
            PeriodPercent(counts, attained, credits.credit_percent(tiers, attained, cap_percent))
        )
    return result


def owed_periods(
    percents: list[PeriodPercent],
    *,
    period: str,
    monthly_fee: Decimal,
    first: date,
    last: date | None,
    target: Decimal | None = None,
) -> list[PeriodCredit]:
    """The periods of ``percents`` that count for a line in force from ``first`` to ``last``
    (``periods.counts_for``), with what the line owes for each and (given its target) whether
    it breached."""
    return [
        PeriodCredit(
            start=p.start,
            attainment=p.attainment,
            breached=breached(p.attainment, target),
            percent=p.percent,
            amount=credits.credit_amount(p.percent, monthly_fee),
            good=p.counts.good,
            total=p.counts.total,
        )
        for p in percents
        if periods.counts_for(p.start, period, first, last)
    ]


def line_credits(
    months: list[periods.Counts],
    *,
    period: str,
    tiers: list[credits.Tier],
    cap_percent: Decimal | None,
    monthly_fee: Decimal,
    first: date,
    last: date | None,
    target: Decimal | None = None,
) -> list[PeriodCredit]:
    """Every period of ``months`` that counts for the line, with its attainment, its credit and
    (given the line's target) whether it breached."""
    percents = period_percents(months, period=period, tiers=tiers, cap_percent=cap_percent)
    return owed_periods(
        percents, period=period, monthly_fee=monthly_fee, first=first, last=last, target=target
    )
