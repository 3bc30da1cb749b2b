"""Alignment of a customer SLA with an internal SLO: pure maths, no Django.

Error budget of a target t %: b = 1 − t/100. An SLA is safe when it is looser than the SLO on
every axis (target and threshold) by at least the buffer policy: its budget is at least
``min_budget_ratio`` times the SLO's, and its target at least ``min_margin`` points lower.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

HUNDRED = Decimal(100)
TARGET_QUANTUM = Decimal("0.0001")


class Verdict(enum.StrEnum):
    NO_SLO = "NO_SLO"
    MISMATCH = "MISMATCH"
    THIN = "THIN"
    ALIGNED = "ALIGNED"
    INCOMPARABLE = "INCOMPARABLE"


def verdict_words(verdict: str) -> str:
    """A verdict as pages write it: "NO SLO", "MISMATCH"."""
    return verdict.replace("_", " ")


# How risky each verdict is, safest first: used to pick the SLO that backs a commitment best
# and, in tests, to state that raising a target never makes the verdict safer.
RISK_ORDER = {
    Verdict.ALIGNED: 0,
    Verdict.THIN: 1,
    Verdict.INCOMPARABLE: 2,
    Verdict.MISMATCH: 3,
    Verdict.NO_SLO: 4,
}
# Verdicts that need a leadership waiver before a line may be approved and signed.
NEEDS_WAIVER = frozenset({Verdict.MISMATCH, Verdict.THIN, Verdict.NO_SLO})


class ThresholdOrder(enum.Enum):
    """How thresholds of an indicator kind compare."""

    LOWER_IS_STRICTER = "lower"  # latency 300 ms is stricter than 500 ms
    UNORDERED = "unordered"  # thresholds can only be equal or different


@dataclass(frozen=True)
class Objective:
    """A target in percent and an optional threshold (SLA or SLO side)."""

    target: Decimal
    threshold: Decimal | None = None


@dataclass(frozen=True)
class Policy:
    min_budget_ratio: Decimal = Decimal("2.0")
    min_margin: Decimal = Decimal("0")


@dataclass(frozen=True)
class Alignment:
    verdict: Verdict
    buffer_ratio: Decimal | None = None
    margin: Decimal | None = None
    reasons: list[str] = field(default_factory=list)


def error_budget(target: Decimal) -> Decimal:
    """The share of events allowed to fail: 99.9 % → 0.001."""
    return 1 - Decimal(target) / HUNDRED


def _compare(sla: Decimal, slo: Decimal) -> int:
    """1 when the SLA side is stricter, -1 when looser, 0 when equal (higher is stricter)."""
    return (sla > slo) - (sla < slo)


def _compare_thresholds(
    sla: Decimal | None, slo: Decimal | None, order: ThresholdOrder
) -> int | None:
    """1 when the SLA threshold is stricter, -1 looser, 0 same; None when they cannot be ordered."""
    if sla is None or slo is None or sla == slo:
        return 0
    if order is ThresholdOrder.LOWER_IS_STRICTER:
        return (sla < slo) - (sla > slo)
    return None


def fmt(value: Decimal) -> str:
    """A percentage or threshold without trailing zeros: 99.9000 → '99.9'."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def align(
    sla: Objective,
    slo: Objective | None,
    policy: Policy,
    threshold_order: ThresholdOrder = ThresholdOrder.LOWER_IS_STRICTER,
) -> Alignment:
    """The verdict for one SLA line against one SLO (None: there is no active SLO)."""
    if slo is None:
        return Alignment(
            Verdict.NO_SLO,
            reasons=["No active SLO backs this indicator: engineering should define one first."],
        )
    on_target = _compare(Decimal(sla.target), Decimal(slo.target))
    on_threshold = _compare_thresholds(sla.threshold, slo.threshold, threshold_order)
    sla_budget, slo_budget = error_budget(sla.target), error_budget(slo.target)
    margin = Decimal(slo.target) - Decimal(sla.target)
    ratio = _ratio(sla_budget, slo_budget)

    if on_threshold is None:
        return Alignment(
            Verdict.INCOMPARABLE,
            ratio,
            margin,
            [
                f"The SLA threshold {fmt(sla.threshold)} and the SLO threshold "
                f"{fmt(slo.threshold)} measure different things: engineering must judge."
            ],
        )
    if (on_target > 0 and on_threshold >= 0) or (on_threshold > 0 and on_target >= 0):
        reasons = []
        if on_target > 0:
            reasons.append(
                f"The SLA target {fmt(sla.target)} % is stricter than the SLO target "
                f"{fmt(slo.target)} %: the contract would breach while the service runs normally."
            )
        if on_threshold > 0:
            reasons.append(
                f"The SLA threshold {fmt(sla.threshold)} is tighter than the SLO threshold "
                f"{fmt(slo.threshold)}."
            )
        return Alignment(Verdict.MISMATCH, ratio, margin, reasons)
    if on_target * on_threshold < 0:
        stricter, looser = ("threshold", "target") if on_threshold > 0 else ("target", "threshold")
        return Alignment(
            Verdict.INCOMPARABLE,
            ratio,
            margin,
            [
                f"The SLA is stricter than the SLO on the {stricter} but looser on the {looser} "
                f"(SLA {fmt(sla.target)} % at {fmt(sla.threshold)}, SLO {fmt(slo.target)} % at "
                f"{fmt(slo.threshold)}): engineering must judge whether the SLO covers it."
            ],
        )

    reasons = []
    if ratio is not None and ratio < policy.min_budget_ratio:
        reasons.append(
            f"The SLA error budget is {fmt(ratio.quantize(Decimal('0.01')))}× the SLO's; "
            f"the policy asks for at least {fmt(policy.min_budget_ratio)}×."
        )
    if margin < policy.min_margin:
        reasons.append(
            f"The SLA is {fmt(margin)} points below the SLO; the policy asks for at least "
            f"{fmt(policy.min_margin)}."
        )
    if reasons:
        if on_threshold < 0:
            reasons.append("The looser threshold gives some room, but it is not counted.")
        return Alignment(Verdict.THIN, ratio, margin, reasons)
    room = "unbounded" if ratio is None else f"{fmt(ratio.quantize(Decimal('0.01')))}×"
    return Alignment(
        Verdict.ALIGNED,
        ratio,
        margin,
        [f"The SLA error budget is {room} the SLO's, with {fmt(margin)} points of margin."],
    )


def _ratio(sla_budget: Decimal, slo_budget: Decimal) -> Decimal | None:
    """SLA budget ÷ SLO budget; None when the SLO allows no errors and the SLA some (unbounded)."""
    if slo_budget == 0:
        return None if sla_budget > 0 else Decimal(1)
    return sla_budget / slo_budget


def safe_maximum(slo_target: Decimal, policy: Policy) -> Decimal | None:
    """The highest SLA target whose buffer to the SLO meets the policy (rounded down).

    SLO 99.9 % with ratio 2.0 → 99.8 %. None when no positive target qualifies.
    """
    slo_target = Decimal(slo_target)
    by_ratio = HUNDRED - Decimal(policy.min_budget_ratio) * (HUNDRED - slo_target)
    by_margin = slo_target - Decimal(policy.min_margin)
    best = min(by_ratio, by_margin).quantize(TARGET_QUANTUM, rounding=ROUND_FLOOR)
    return best if best > 0 else None


def required_slo_target(sla_target: Decimal, policy: Policy) -> Decimal | None:
    """The lowest SLO target whose safe maximum reaches the SLA target (rounded up).

    The inverse of safe_maximum: SLA 99.8 % with ratio 2.0 → SLO 99.9 %. None when even a
    100 % SLO cannot back it.
    """
    sla_target = Decimal(sla_target)
    by_ratio = HUNDRED - (HUNDRED - sla_target) / Decimal(policy.min_budget_ratio)
    by_margin = sla_target + Decimal(policy.min_margin)
    needed = max(by_ratio, by_margin).quantize(TARGET_QUANTUM, rounding=ROUND_CEILING)
    return needed if needed <= HUNDRED else None


def best_alignment(
    sla: Objective,
    slos: list[tuple[object, Objective]],
    policy: Policy,
    threshold_order: ThresholdOrder = ThresholdOrder.LOWER_IS_STRICTER,
) -> tuple[object | None, Alignment]:
    """Among several active SLOs (key, objective), the one that backs the SLA best."""
    if not slos:
        return None, align(sla, None, policy, threshold_order)
    candidates = [(key, align(sla, slo, policy, threshold_order)) for key, slo in slos]
    return min(
        candidates,
        key=lambda pair: (RISK_ORDER[pair[1].verdict], -_ratio_or_unbounded(pair[1].buffer_ratio)),
    )


def _ratio_or_unbounded(ratio: Decimal | None) -> Decimal:
    return Decimal("Infinity") if ratio is None else ratio
