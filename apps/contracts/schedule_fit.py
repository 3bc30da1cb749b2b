"""Whether a credit schedule agrees with the target of the line it prices: pure maths, no Django.

A line at target T is met at attainments ≥ T and breached below. Its schedule should pay nothing
where the SLA is met and something wherever it is breached. Two findings contradict that:

- ``credits_above_target``: a tier pays at an attainment the SLA calls met (a 99.25 % line with
  a "< 99.9 % → 10 %" tier credits a met month);
- ``gap_below_target``: attainments below target that no tier pays (a 99.99 % line with a
  "< 99.95 %" schedule breaches at 99.97 % for nothing).

The same rule words the breach and credit columns (``breach_rule``, ``credit_rule``), so a
figure says which rule produced it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from apps.slos.alignment import fmt

from .credits import Tier, credit_percent

CREDITS_ABOVE_TARGET = "credits_above_target"
GAP_BELOW_TARGET = "gap_below_target"
LOWEST, HIGHEST = Decimal(0), Decimal(100)


@dataclass(frozen=True)
class Range:
    """A range of attainments, with the inclusivity of each end."""

    lower: Decimal
    upper: Decimal
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def __contains__(self, attainment: Decimal) -> bool:
        above = attainment > self.lower or (self.lower_inclusive and attainment == self.lower)
        below = attainment < self.upper or (self.upper_inclusive and attainment == self.upper)
        return above and below

    def __str__(self) -> str:
        low = f"{'≥' if self.lower_inclusive else '>'} {fmt(self.lower)} %"
        high = f"{'≤' if self.upper_inclusive else '<'} {fmt(self.upper)} %"
        return f"{low} and {high}"


@dataclass(frozen=True)
class Finding:
    """One way a schedule contradicts its line's target, with the attainments it concerns."""

    kind: str
    range: Range
    message: str


def describe_tier(tier: Tier) -> str:
    """A tier as a contract words it: "< 99.9 % → 10 %", "≥ 99 and < 99.99 % → 10 %"."""
    bounds = []
    if tier.lower is not None:
        bounds.append(f"{'≥' if tier.lower_inclusive else '>'} {fmt(tier.lower)}")
    if tier.upper is not None:
        bounds.append(f"{'≤' if tier.upper_inclusive else '<'} {fmt(tier.upper)}")
    attainment = " and ".join(bounds) or "any attainment"
    return f"{attainment} % → {fmt(tier.credit_percent)} %"


def _pieces(tiers: list[Tier], low: Decimal, high: Decimal):
    """The range [low, high] cut at every tier bound into points and open intervals, in order,
    each with an attainment inside it: the credit is the same all over each piece."""
    cuts = {low, high}
    for tier in tiers:
        cuts.update(b for b in (tier.lower, tier.upper) if b is not None and low < b < high)
    ordered = sorted(cuts)
    for left, right in itertools.pairwise(ordered):
        yield Range(left, left, True, True), left
        yield Range(left, right, False, False), (left + right) / 2
    yield Range(high, high, True, True), high


def _merged(pieces: list[Range]) -> list[Range]:
    """Adjacent pieces joined into ranges."""
    ranges: list[Range] = []
    for piece in pieces:
        last = ranges[-1] if ranges else None
        touches = last is not None and last.upper == piece.lower
        if touches and (last.upper_inclusive or piece.lower_inclusive):
            ranges[-1] = Range(last.lower, piece.upper, last.lower_inclusive, piece.upper_inclusive)
        else:
            ranges.append(piece)
    return ranges


def schedule_fit(
    tiers: list[Tier], target: Decimal, cap_percent: Decimal | None = None
) -> list[Finding]:
    """What in the schedule contradicts the target: paid ranges at or above it, unpaid ranges
    below it (attainments 0–100 %). An empty list means the schedule fits."""
    target = Decimal(target)
    findings = []
    paid = [
        (piece, credit_percent(tiers, sample, cap_percent))
        for piece, sample in _pieces(tiers, target, HIGHEST)
    ]
    for found in _merged([piece for piece, percent in paid if percent > 0]):
        percent = max(
            percent for piece, percent in paid if found.lower <= piece.lower <= found.upper
        )
        findings.append(
            Finding(
                CREDITS_ABOVE_TARGET,
                found,
                f"The schedule credits up to {fmt(percent)} % at attainments {found}, which "
                f"meet the {fmt(target)} % target: a met period would be paid.",
            )
        )
    if target > LOWEST:
        unpaid = [
            piece
            for piece, sample in _pieces(tiers, LOWEST, target)
            if sample < target and not credit_percent(tiers, sample, cap_percent)
        ]
        for found in _merged(unpaid):
            if found.upper == target:
                found = Range(found.lower, target, found.lower_inclusive, False)
            findings.append(
                Finding(
                    GAP_BELOW_TARGET,
                    found,
                    f"No tier credits attainments {found}, which breach the {fmt(target)} % "
                    "target: a breached period would earn nothing.",
                )
            )
    return findings


def breach_rule(attainment: Decimal | None, target: Decimal | None) -> str:
    """Why a period counts as breached or not: "breached: below 99.9 % target"."""
    if target is None:
        return "no target"
    if attainment is None:
        return "no data: not a breach"
    if Decimal(attainment) < Decimal(target):
        return f"breached: below {fmt(target)} % target"
    return f"met: at or above {fmt(target)} % target"


def credit_rule(
    tiers: list[Tier], attainment: Decimal | None, cap_percent: Decimal | None = None
) -> str:
    """Which tier produced a period's credit: "credit: tier < 99.9 % → 10 %"."""
    if attainment is None:
        return "no data: no credit"
    attainment = Decimal(attainment)
    tier = next((t for t in tiers if t.holds(attainment)), None)
    if tier is None:
        return f"no credit: no tier holds {fmt(attainment)} %"
    text = f"credit: tier {describe_tier(tier)}"
    if cap_percent is not None and tier.credit_percent > Decimal(cap_percent):
        text += f", capped at {fmt(cap_percent)} %"
    return text
