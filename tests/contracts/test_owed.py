"""Credits owed per line (pure maths): whole periods only, the term decides, groups agree."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.contracts import owed
from apps.contracts.credits import Tier
from apps.measurements import periods as engine

TIERS = [
    Tier(Decimal("99.0"), Decimal("99.99"), Decimal("10")),
    Tier(Decimal("95.0"), Decimal("99.0"), Decimal("25")),
    Tier(None, Decimal("95.0"), Decimal("100")),
]
MONTHS = [date(2026, m, 1) for m in range(1, 13)]

counts = st.tuples(st.integers(0, 1000), st.integers(0, 1000)).map(
    lambda pair: (min(pair), max(pair))
)


def months_of(pairs) -> list[engine.Counts]:
    return [engine.Counts(MONTHS[i], g, t) for i, (g, t) in enumerate(pairs)]


def test_a_quarter_owes_on_its_summed_counts_of_three_months():
    months = months_of([(9995, 10000), (9992, 10000), (10000, 10000)])
    [quarter] = owed.line_credits(
        months,
        period="quarter",
        tiers=TIERS,
        cap_percent=None,
        monthly_fee=Decimal("1000.00"),
        first=date(2025, 6, 1),
        last=None,
        target=Decimal("99.96"),
    )
    assert quarter.attainment == Decimal(29987) / Decimal(30000) * 100
    assert (quarter.percent, quarter.amount, quarter.breached) == (
        Decimal("10"),
        Decimal("100.00"),
        True,
    )


def test_an_unfinished_quarter_owes_nothing_yet():
    months = months_of([(0, 10), (0, 10), (0, 10), (0, 10)])
    periods = engine.period_counts(months, "quarter")
    assert [p.start for p in periods] == [date(2026, 1, 1)]


def test_the_cap_limits_the_credit():
    [month] = owed.line_credits(
        months_of([(0, 10)]),
        period="month",
        tiers=TIERS,
        cap_percent=Decimal("30"),
        monthly_fee=Decimal("200.00"),
        first=date(2026, 1, 1),
        last=None,
    )
    assert (month.percent, month.amount) == (Decimal("30"), Decimal("60.00"))


@given(st.lists(counts, min_size=1, max_size=12), st.sampled_from(["month", "quarter"]))
def test_quarters_hold_exactly_the_events_of_their_whole_months(pairs, period):
    months = months_of(pairs)
    periods = engine.period_counts(months, period)
    whole = len(pairs) if period == "month" else len(pairs) // 3 * 3
    assert sum(p.total for p in periods) == sum(t for _, t in pairs[:whole])
    assert sum(p.good for p in periods) == sum(g for g, _ in pairs[:whole])


@given(
    st.lists(counts, min_size=12, max_size=12),
    st.integers(0, 11),
    st.integers(0, 11),
    st.sampled_from(["month", "quarter"]),
)
def test_a_line_owes_only_for_periods_overlapping_its_term(pairs, first, length, period):
    first_month = MONTHS[first]
    last_month = MONTHS[min(first + length, 11)]
    periods = owed.line_credits(
        months_of(pairs),
        period=period,
        tiers=TIERS,
        cap_percent=None,
        monthly_fee=Decimal("999.99"),
        first=first_month,
        last=last_month,
    )
    step = 1 if period == "month" else 3
    for credit in periods:
        end_index = MONTHS.index(credit.start) + step
        period_end = MONTHS[end_index] if end_index < 12 else date(2027, 1, 1)
        assert first_month < period_end and last_month >= credit.start
    everything = owed.line_credits(
        months_of(pairs),
        period=period,
        tiers=TIERS,
        cap_percent=None,
        monthly_fee=Decimal("999.99"),
        first=MONTHS[0],
        last=None,
    )
    assert {p.start for p in periods} <= {p.start for p in everything}


@given(st.lists(counts, min_size=3, max_size=12), st.sampled_from(["month", "quarter"]))
def test_per_line_credits_match_the_shared_percents(pairs, period):
    months = months_of(pairs)
    fee = Decimal("123.45")
    direct = owed.line_credits(
        months,
        period=period,
        tiers=TIERS,
        cap_percent=None,
        monthly_fee=fee,
        first=MONTHS[0],
        last=None,
    )
    shared = owed.owed_periods(
        owed.period_percents(months, period=period, tiers=TIERS, cap_percent=None),
        period=period,
        monthly_fee=fee,
        first=MONTHS[0],
        last=None,
    )
    assert direct == shared
    cent = Decimal("0.01")
    assert all(p.amount == (fee * p.percent / 100).quantize(cent, ROUND_HALF_UP) for p in direct)
