"""Backtest of a proposed SLA on SLI history: pure maths, no Django.

For each past measurement period: the attainment, whether the proposed target would have been
breached, and the credit the schedule would have cost. "No data" is never a breach and earns no
credit; the rates and means are over the periods that have data.

Credits follow the schedule alone, as the contract will: the tier holding the
attainment decides, so a schedule that credits at exactly the target credits an unbreached
period too. Credits are a percentage of the monthly fee for quarterly periods as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .credits import CENT, Tier
from .owed import period_credit

RATE_QUANTUM = Decimal("0.0001")
TARGET_QUANTUM = Decimal("0.0001")
PERIODS_PER_YEAR = {"month": 12, "quarter": 4}


@dataclass(frozen=True)
class PeriodOutcome:
    """One past period under the proposed SLA."""

    start: date
    attainment: Decimal | None
    breached: bool
    credit_percent: Decimal
    credit_amount: Decimal


@dataclass(frozen=True)
class Backtest:
    """The proposed SLA replayed on history."""

    periods: list[PeriodOutcome]
    breaches: int
    periods_with_data: int
    # Share of periods with data that breached (0.5833 for 7 of 12); None without data.
    breach_rate: Decimal | None
    # Mean credit per period with data × periods per year; None without data.
    expected_annual_credits: Decimal | None
    # The tightest target every period with data met; None without data.
    safest_target: Decimal | None

    @property
    def total_credits(self) -> Decimal:
        return sum((p.credit_amount for p in self.periods), Decimal(0))


def breached(attainment: Decimal | None, target: Decimal) -> bool:
    """Below target; a period without data is never a breach."""
    return attainment is not None and Decimal(attainment) < Decimal(target)


def safest_target(attainments: Sequence[Decimal | None]) -> Decimal | None:
    """The lowest attainment with data, rounded down to 4 places: met by every period."""
    measured = [Decimal(a) for a in attainments if a is not None]
    if not measured:
        return None
    return min(measured).quantize(TARGET_QUANTUM, rounding=ROUND_FLOOR)


def run_backtest(
    history: Sequence[tuple[date, Decimal | None]],
    *,
    target: Decimal,
    tiers: Sequence[Tier],
    cap_percent: Decimal | None,
    monthly_fee: Decimal,
    periods_per_year: int = 12,
) -> Backtest:
    """Replay a target and a credit schedule on (period start, attainment) pairs."""
    target = Decimal(target)
    outcomes = []
    for start, attainment in history:
        attainment = None if attainment is None else Decimal(attainment)
        # Priced as the dashboards and the review packets price a period (contracts.owed).
        credit = period_credit(
            start,
            attainment,
            tiers=list(tiers),
            cap_percent=cap_percent,
            monthly_fee=monthly_fee,
            target=target,
        )
        outcomes.append(
            PeriodOutcome(
                start=start,
                attainment=attainment,
                breached=credit.breached,
                credit_percent=credit.percent,
                credit_amount=credit.amount,
            )
        )
    measured = [p for p in outcomes if p.attainment is not None]
    breaches = sum(p.breached for p in measured)
    if measured:
        rate = (Decimal(breaches) / len(measured)).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)
        mean_credit = sum((p.credit_amount for p in measured), Decimal(0)) / len(measured)
        annual = (mean_credit * periods_per_year).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        rate = annual = None
    return Backtest(
        periods=outcomes,
        breaches=breaches,
        periods_with_data=len(measured),
        breach_rate=rate,
        expected_annual_credits=annual,
        safest_target=safest_target([p.attainment for p in outcomes]),
    )
