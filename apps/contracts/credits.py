"""Service credits from a tiered schedule: pure maths, no Django.

Tiers are half-open ranges as providers publish them ("less than 99.99 % but equal to or greater
than 99.0 %" is [99.0, 99.99)); flags allow wordings such as "at or below 99.9 %".
"""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

CENT = Decimal("0.01")


class Tier(NamedTuple):
    """A named tuple (not a dataclass): schedules key the caches of review packets' credits,
    and a tuple hashes and compares in C."""

    lower: Decimal | None
    upper: Decimal | None
    credit_percent: Decimal
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def holds(self, attainment: Decimal) -> bool:
        if self.lower is not None and (
            attainment < self.lower or (attainment == self.lower and not self.lower_inclusive)
        ):
            return False
        return not (
            self.upper is not None
            and (attainment > self.upper or (attainment == self.upper and not self.upper_inclusive))
        )


def credit_percent(
    tiers: list[Tier], attainment: Decimal | None, cap_percent: Decimal | None = None
) -> Decimal:
    """The credit % of the tier holding the attainment (0 when none does, or no data), capped."""
    if attainment is None:
        return Decimal(0)
    attainment = Decimal(attainment)
    percent = next((t.credit_percent for t in tiers if t.holds(attainment)), Decimal(0))
    if cap_percent is not None:
        percent = min(percent, Decimal(cap_percent))
    return Decimal(percent)


def credit_amount(percent: Decimal, monthly_fee: Decimal) -> Decimal:
    """Money owed for a credit % of a monthly fee, to the cent."""
    return (Decimal(monthly_fee) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def overlapping(tiers: list[Tier]) -> tuple[int, int] | None:
    """Indexes of the first two tiers whose ranges overlap, or None."""
    ordered = sorted(
        enumerate(tiers),
        key=lambda it: Decimal("-Infinity") if it[1].lower is None else it[1].lower,
    )
    for (i, a), (j, b) in itertools.pairwise(ordered):
        if a.upper is None:
            return (i, j)
        lower_b = Decimal("-Infinity") if b.lower is None else b.lower
        if a.upper > lower_b or (a.upper == lower_b and a.upper_inclusive and b.lower_inclusive):
            return (i, j)
    return None
