"""A credit schedule against its line's target: credits above it and gaps below it are found."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from apps.contracts.credits import Tier, credit_percent
from apps.contracts.schedule_fit import (
    CREDITS_ABOVE_TARGET,
    GAP_BELOW_TARGET,
    breach_rule,
    credit_rule,
    schedule_fit,
)

CLOUD = [
    Tier(D("99.0"), D("99.99"), D("10")),
    Tier(D("95.0"), D("99.0"), D("25")),
    Tier(None, D("95.0"), D("100")),
]
# TYRELL-001 r2 in the demo: 99.25 % promised, the schedule pays below 99.9 %.
TYRELL = [Tier(D("99.0"), D("99.9"), D("10")), Tier(None, D("99.0"), D("25"))]

bounds = st.decimals(min_value=D("90"), max_value=D("100"), places=2)
percents = st.decimals(min_value=D("0"), max_value=D("50"), places=0)
targets = st.decimals(min_value=D("90"), max_value=D("100"), places=2)
attainments = st.decimals(min_value=D("0"), max_value=D("100"), places=3)


@st.composite
def schedules(draw):
    tiers = []
    for _ in range(draw(st.integers(0, 4))):
        lower = draw(st.one_of(st.none(), bounds))
        upper = draw(st.one_of(st.none(), bounds))
        if lower is not None and upper is not None and lower >= upper:
            continue
        tiers.append(Tier(lower, upper, draw(percents), draw(st.booleans()), draw(st.booleans())))
    return tiers


def test_tyrell_schedule_credits_met_attainments():
    findings = schedule_fit(TYRELL, D("99.25"))
    assert [f.kind for f in findings] == [CREDITS_ABOVE_TARGET]
    assert findings[0].message == (
        "The schedule credits up to 10 % at attainments ≥ 99.25 % and < 99.9 %, which meet the "
        "99.25 % target: a met period would be paid."
    )


def test_tighter_line_than_schedule_leaves_a_gap():
    findings = schedule_fit(CLOUD, D("99.995"))
    assert [f.kind for f in findings] == [GAP_BELOW_TARGET]
    assert "≥ 99.99 % and < 99.995 %" in findings[0].message


def test_schedule_ending_at_the_target_fits():
    assert schedule_fit(CLOUD, D("99.99")) == []


def test_a_zero_cap_pays_nothing_so_everything_below_is_a_gap():
    [finding] = schedule_fit(CLOUD, D("99.99"), cap_percent=D("0"))
    assert finding.kind == GAP_BELOW_TARGET
    assert finding.range.lower == 0 and finding.range.upper == D("99.99")


@given(tiers=schedules(), target=targets, attainment=attainments)
def test_every_contradicting_attainment_is_inside_a_finding(tiers, target, attainment):
    findings = schedule_fit(tiers, target)
    paid = credit_percent(tiers, attainment) > 0
    above = [f for f in findings if f.kind == CREDITS_ABOVE_TARGET and attainment in f.range]
    gaps = [f for f in findings if f.kind == GAP_BELOW_TARGET and attainment in f.range]
    if attainment >= target:
        assert bool(above) == paid
        assert not gaps
    else:
        assert bool(gaps) == (not paid)
        assert not above


@given(target=targets, credit=st.decimals(min_value=D("1"), max_value=D("50"), places=0))
def test_schedule_paying_exactly_below_target_fits(target, credit):
    assert schedule_fit([Tier(None, target, credit)], target) == []


def test_rules_name_what_produced_each_figure():
    assert breach_rule(D("99.5"), D("99.9")) == "breached: below 99.9 % target"
    assert breach_rule(D("99.95"), D("99.9")) == "met: at or above 99.9 % target"
    assert breach_rule(None, D("99.9")) == "no data: not a breach"
    assert credit_rule(TYRELL, D("99.5")) == "credit: tier ≥ 99 and < 99.9 % → 10 %"
    assert credit_rule(TYRELL, D("99.95")) == "no credit: no tier holds 99.95 %"
    assert credit_rule(TYRELL, D("98"), D("20")) == "credit: tier < 99 % → 25 %, capped at 20 %"
