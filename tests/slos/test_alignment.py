"""The alignment verdict: worked examples of the product design and properties."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.slos.alignment import (
    RISK_ORDER,
    Objective,
    Policy,
    ThresholdOrder,
    Verdict,
    align,
    best_alignment,
    error_budget,
    safe_maximum,
)

D = Decimal
DEFAULT = Policy()
targets = st.decimals(min_value=D("50"), max_value=D("100"), places=4)
thresholds = st.one_of(st.none(), st.decimals(min_value=D("1"), max_value=D("5000"), places=0))


def test_error_budget_of_three_nines_is_one_in_a_thousand():
    assert error_budget(D("99.9")) == D("0.001")


@pytest.mark.parametrize(
    ("sla", "slo", "verdict"),
    [
        ("99.9", "99.95", Verdict.ALIGNED),  # the design's example: ratio exactly 2.0
        ("99.8", "99.9", Verdict.ALIGNED),
        ("99.85", "99.9", Verdict.THIN),  # ratio 1.5
        ("99.9", "99.9", Verdict.THIN),  # equal: no buffer at all
        ("99.99", "99.9", Verdict.MISMATCH),  # the seed story: SLA tighter than the SLO
    ],
)
def test_verdicts_on_target_alone(sla, slo, verdict):
    assert align(Objective(D(sla)), Objective(D(slo)), DEFAULT).verdict == verdict


def test_no_slo_needs_one_defined():
    result = align(Objective(D("99.9")), None, DEFAULT)
    assert result.verdict == Verdict.NO_SLO
    assert "No active SLO" in result.reasons[0]


def test_mismatch_explains_the_breach_in_normal_operation():
    result = align(Objective(D("99.99")), Objective(D("99.9")), DEFAULT)
    assert "stricter than the SLO target 99.9 %" in result.reasons[0]


def test_thin_reports_ratio_and_policy():
    result = align(Objective(D("99.85")), Objective(D("99.9")), DEFAULT)
    assert result.buffer_ratio == D("1.5")
    assert result.margin == D("0.05")
    assert "1.5× the SLO's" in result.reasons[0] and "at least 2×" in result.reasons[0]


def test_margin_policy_alone_can_make_a_line_thin():
    policy = Policy(min_budget_ratio=D("1"), min_margin=D("0.5"))
    assert align(Objective(D("99.5")), Objective(D("99.9")), policy).verdict == Verdict.THIN
    assert align(Objective(D("99.4")), Objective(D("99.9")), policy).verdict == Verdict.ALIGNED


def test_tighter_latency_threshold_at_same_target_is_a_mismatch():
    sla, slo = Objective(D("99"), D("200")), Objective(D("99"), D("300"))
    result = align(sla, slo, DEFAULT)
    assert result.verdict == Verdict.MISMATCH
    assert "threshold 200 is tighter" in result.reasons[0]


def test_lower_target_with_tighter_threshold_is_incomparable():
    result = align(Objective(D("95"), D("200")), Objective(D("99"), D("300")), DEFAULT)
    assert result.verdict == Verdict.INCOMPARABLE
    assert "stricter than the SLO on the threshold but looser on the target" in result.reasons[0]


def test_unordered_thresholds_that_differ_are_incomparable():
    result = align(
        Objective(D("99"), D("5")), Objective(D("99.9"), D("7")), DEFAULT, ThresholdOrder.UNORDERED
    )
    assert result.verdict == Verdict.INCOMPARABLE


def test_perfect_slo_gives_unbounded_buffer():
    result = align(Objective(D("99.9")), Objective(D("100")), DEFAULT)
    assert result.verdict == Verdict.ALIGNED and result.buffer_ratio is None


def test_safe_maximum_examples_from_the_design():
    assert safe_maximum(D("99.9"), DEFAULT) == D("99.8")
    assert safe_maximum(D("99.95"), DEFAULT) == D("99.9")
    assert safe_maximum(D("99.9"), Policy(D("1"), D("0.25"))) == D("99.65")
    assert safe_maximum(D("40"), DEFAULT) is None


def test_best_alignment_picks_the_slo_that_backs_the_line():
    weak, strong = Objective(D("99.5")), Objective(D("99.99"))
    key, result = best_alignment(
        Objective(D("99.9")), [("weak", weak), ("strong", strong)], DEFAULT
    )
    assert key == "strong" and result.verdict == Verdict.ALIGNED


@given(
    slo=targets,
    sla=targets,
    step=st.decimals(min_value=D("0"), max_value=D("5"), places=4),
    sla_threshold=thresholds,
    slo_threshold=thresholds,
)
def test_raising_the_sla_target_never_makes_the_verdict_safer(
    slo, sla, step, sla_threshold, slo_threshold
):
    raised = min(sla + step, D("100"))
    before = align(Objective(sla, sla_threshold), Objective(slo, slo_threshold), DEFAULT)
    after = align(Objective(raised, sla_threshold), Objective(slo, slo_threshold), DEFAULT)
    assert RISK_ORDER[after.verdict] >= RISK_ORDER[before.verdict]


@given(
    slo=st.decimals(min_value=D("90"), max_value=D("99.999"), places=4),
    ratio=st.decimals(min_value=D("1"), max_value=D("10"), places=2),
    margin=st.decimals(min_value=D("0"), max_value=D("1"), places=4),
)
def test_the_safe_maximum_is_aligned_and_anything_above_it_is_not(slo, ratio, margin):
    policy = Policy(ratio, margin)
    best = safe_maximum(slo, policy)
    if best is None:
        return
    assert align(Objective(best), Objective(slo), policy).verdict == Verdict.ALIGNED
    above = best + D("0.0001")
    assert align(Objective(above), Objective(slo), policy).verdict != Verdict.ALIGNED


@given(sla=targets, slo=targets)
def test_a_looser_threshold_never_turns_an_aligned_line_into_a_mismatch(sla, slo):
    plain = align(Objective(sla, D("300")), Objective(slo, D("300")), DEFAULT)
    looser = align(Objective(sla, D("500")), Objective(slo, D("300")), DEFAULT)
    assert RISK_ORDER[looser.verdict] <= max(
        RISK_ORDER[plain.verdict], RISK_ORDER[Verdict.INCOMPARABLE]
    )
