"""required_slo_target is the inverse of safe_maximum: the SLO level a new SLA target needs."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.slos.alignment import Objective, Policy, Verdict, align, required_slo_target, safe_maximum

D = Decimal
STEP = D("0.0001")


def test_a_99_8_sla_needs_a_99_9_slo_under_the_default_policy():
    assert required_slo_target(D("99.8"), Policy()) == D("99.9")


def test_the_margin_can_be_what_decides():
    assert required_slo_target(D("99.0"), Policy(D("1"), D("0.5"))) == D("99.5")


def test_no_slo_can_back_a_target_the_margin_pushes_past_100():
    assert required_slo_target(D("99.8"), Policy(D("1"), D("0.5"))) is None


sla_targets = st.decimals(min_value=D("50"), max_value=D("99.99"), places=4, allow_nan=False)
policies = st.builds(
    Policy,
    st.decimals(min_value=1, max_value=10, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=D("0.5"), places=4, allow_nan=False),
)


@given(sla_targets, policies)
def test_the_required_slo_backs_the_sla_and_nothing_lower_does(sla, policy):
    needed = required_slo_target(sla, policy)
    if needed is None:
        assert safe_maximum(D(100), policy) is None or safe_maximum(D(100), policy) < sla
        return
    assert safe_maximum(needed, policy) >= sla
    assert align(Objective(sla), Objective(needed), policy).verdict == Verdict.ALIGNED
    lower = safe_maximum(needed - STEP, policy)
    assert lower is None or lower < sla
