"""The backtest maths: figures checked by hand, and properties that must hold for any history."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.contracts.backtest import run_backtest, safest_target
from apps.contracts.credits import Tier
from apps.measurements.maths import periods_met, recent_streak

D = Decimal
CLOUD_TIERS = [
    Tier(D("99.0"), D("99.99"), D("10")),
    Tier(D("95.0"), D("99.0"), D("25")),
    Tier(None, D("95.0"), D("100")),
]
ATTAINMENTS = [
    "99.995", "99.95", "99.5", "98.5", "100", "99.99",
    "99.98", None, "94.0", "99.999", "99.9", "99.0",
]  # fmt: skip
HISTORY = [(date(2025, m, 1), None if a is None else D(a)) for m, a in enumerate(ATTAINMENTS, 1)]


def test_a_year_of_history_gives_the_figures_worked_out_by_hand():
    result = run_backtest(
        HISTORY, target=D("99.9"), tiers=CLOUD_TIERS, cap_percent=D("50"), monthly_fee=D("10000")
    )

    assert [p.breached for p in result.periods] == [
        False, False, True, True, False, False, False, False, True, False, False, True,
    ]  # fmt: skip
    assert [p.credit_amount for p in result.periods] == [
        D(x)
        for x in ("0", "1000", "1000", "2500", "0", "0", "1000", "0", "5000", "0", "1000", "1000")
    ]
    # 4 breaches over the 11 months that have data; August has none and is not a breach.
    assert (result.breaches, result.periods_with_data) == (4, 11)
    assert result.breach_rate == D("0.3636")
    # 12 500 € over 11 measured months, scaled to a year.
    assert result.expected_annual_credits == D("13636.36")
    assert result.safest_target == D("94.0000")


def test_credit_follows_the_schedule_even_when_the_target_is_met():
    result = run_backtest(
        [(date(2025, 1, 1), D("99.95"))],
        target=D("99.9"),
        tiers=CLOUD_TIERS,
        cap_percent=None,
        monthly_fee=D("200"),
    )
    assert result.periods[0].breached is False
    assert result.periods[0].credit_percent == D("10")
    assert result.periods[0].credit_amount == D("20.00")


def test_no_data_at_all_gives_no_rate_and_no_safest_target():
    result = run_backtest(
        [(date(2025, 1, 1), None), (date(2025, 2, 1), None)],
        target=D("99.9"),
        tiers=CLOUD_TIERS,
        cap_percent=None,
        monthly_fee=D("100"),
    )
    assert result.breach_rate is None
    assert result.expected_annual_credits is None
    assert result.safest_target is None
    assert result.breaches == 0


def test_quarterly_periods_scale_the_expected_credits_by_four():
    history = [(date(2025, 1, 1), D("99.5")), (date(2025, 4, 1), D("100"))]
    result = run_backtest(
        history,
        target=D("99.9"),
        tiers=CLOUD_TIERS,
        cap_percent=None,
        monthly_fee=D("1000"),
        periods_per_year=4,
    )
    assert result.expected_annual_credits == D("200.00")  # (100 + 0) / 2 × 4


def test_safest_target_rounds_down_so_that_it_is_met():
    assert safest_target([D("99.987654"), D("99.99")]) == D("99.9876")


def test_periods_met_and_streak_count_only_periods_with_data():
    history = [
        (date(2025, 1, 1), D("99.8")),
        (date(2025, 2, 1), D("99.95")),
        (date(2025, 3, 1), None),
        (date(2025, 4, 1), D("99.97")),
    ]
    assert periods_met(history, D("99.9")) == (2, 3)
    assert recent_streak(history, D("99.9")) == 2


attainment = st.one_of(
    st.none(), st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)
)
histories = st.lists(attainment, min_size=1, max_size=24).map(
    lambda values: [(date(2024 + i // 12, i % 12 + 1, 1), a) for i, a in enumerate(values)]
)
targets = st.decimals(min_value=D("0.0001"), max_value=100, places=4, allow_nan=False)


@given(histories, targets, targets)
def test_raising_the_target_never_lowers_the_breach_rate(history, first, second):
    low, high = sorted((first, second))
    common = {"tiers": CLOUD_TIERS, "cap_percent": None, "monthly_fee": D("100")}
    at_low = run_backtest(history, target=low, **common)
    at_high = run_backtest(history, target=high, **common)
    assert at_high.breaches >= at_low.breaches
    if at_low.breach_rate is not None:
        assert at_high.breach_rate >= at_low.breach_rate


@given(histories)
def test_the_safest_target_is_never_breached(history):
    result = run_backtest(
        history, target=D(100), tiers=CLOUD_TIERS, cap_percent=None, monthly_fee=D(1)
    )
    if result.safest_target is None:
        assert result.periods_with_data == 0
        return
    replay = run_backtest(
        history, target=result.safest_target, tiers=[], cap_percent=None, monthly_fee=D(1)
    )
    assert replay.breaches == 0


@given(
    histories,
    targets,
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
)
def test_credits_never_exceed_the_cap(history, target, cap, fee):
    result = run_backtest(
        history, target=target, tiers=CLOUD_TIERS, cap_percent=cap, monthly_fee=fee
    )
    # Amounts are rounded half up to the cent: a cap of 0.01 % on 1 850.00 allows 0.19.
    ceiling = (fee * cap / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert all(p.credit_percent <= cap for p in result.periods)
    assert all(p.credit_amount <= ceiling for p in result.periods)
    if result.expected_annual_credits is not None:
        assert result.expected_annual_credits <= ceiling * 12
