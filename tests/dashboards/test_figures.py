"""Each portfolio figure against the hand-worked portfolio of conftest.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.dashboards import selectors
from apps.dashboards.filters import Filters

from .conftest import NOW

pytestmark = pytest.mark.django_db


def figures(**filters):
    return selectors.portfolio(Filters(**{"year": 2026, **filters}), NOW)


def test_lines_are_counted_by_their_cached_verdict_leaving_out_terminated_revisions(world):
    assert dict(figures().verdicts) == {
        "ALIGNED": 7,  # L1 L2 L4 L6 L8 L9 L12
        "THIN": 1,  # L7
        "INCOMPARABLE": 0,
        "MISMATCH": 2,  # L3 L10 (L11's revision is terminated)
        "NO_SLO": 1,  # L5
    }
    assert [verdict for verdict, _ in figures().verdicts] == [
        "ALIGNED",
        "THIN",
        "INCOMPARABLE",
        "MISMATCH",
        "NO_SLO",
    ]


def test_credits_owed_add_every_past_period_of_signed_lines_per_currency(world):
    credits = figures().credits
    assert credits.by_currency == {"EUR": Decimal("350.00"), "USD": Decimal("200.00")}
    assert credits.lines_owing == 4
    assert credits.by_period == {
        (date(2026, 1, 1), "EUR"): Decimal("200.00"),  # L1 100 + L2's Q1 100
        (date(2026, 2, 1), "EUR"): Decimal("150.00"),  # L1 100 + L3 50
        (date(2026, 1, 1), "USD"): Decimal("200.00"),
    }


def test_the_current_period_owes_nothing_until_it_is_over(world):
    assert figures(quarter=2).credits.by_currency == {}
    assert figures(quarter=1).credits.by_currency == figures().credits.by_currency


def test_periods_without_data_owe_nothing(world):
    assert figures(year=2025).credits.by_currency == {}


def test_lines_sharing_their_terms_are_counted_once_each(world, schedule):
    # Two more contracts exactly like ACME-1's first line: grouped in SQL, each still owes 200.
    from .conftest import contract, line

    for number in ("ACME-6", "ACME-7"):
        twin = contract(number, world.customers["acme"], world.contracts["ACME-1"].owner)
        line(twin, world.lines["L1"].indicator, "99.8", schedule=schedule)
    credits = figures().credits
    assert credits.by_currency["EUR"] == Decimal("750.00")
    assert credits.lines_owing == 6


def test_exposure_sums_monthly_fees_of_signed_contracts_with_a_risky_line(world):
    portfolio = figures()
    exposure = {row.currency: (row.contracts, row.monthly_fees) for row in portfolio.exposure}
    # ACME-1 drifted, ACME-2 MISMATCH; GLOBEX-1 on the at-risk search SLO, GLOBEX-2 NO_SLO.
    assert exposure == {"EUR": (2, Decimal("1500.00")), "USD": (2, Decimal("2300.00"))}
    assert portfolio.exposed_count == 4
    assert portfolio.at_risk_slos == 1


def test_exhausted_error_budgets_count_active_slos_with_nothing_left(world):
    portfolio = figures()
    assert (portfolio.exhausted_slos, portfolio.active_slos) == (1, 2)


def test_approvals_waiting_count_undecided_lines_and_their_age_since_submission(world):
    waiting = figures().waiting
    assert waiting.count == 3  # L6, L8 (its sign-off was voided), L9; L7 is decided
    assert waiting.oldest == timedelta(days=10)
    assert waiting.median == timedelta(days=2)


def test_no_waiting_line_has_no_age(world):
    waiting = figures(team_id=world.teams["payments"].pk, customer_id=world.customers["globex"].pk)
    assert (waiting.waiting.count, waiting.waiting.oldest, waiting.waiting.median) == (
        0,
        None,
        None,
    )


def test_drifted_counts_signed_lines_with_an_unresolved_event(world):
    assert figures().drifted == 1  # L1; L4's event is resolved, L10 is a draft


def test_renewals_fall_in_90_days_and_12_months_both_days_included(world):
    assert figures().renewals == {"90d": 1, "12m": 3}


def test_review_progress_counts_current_packets_of_the_latest_cycle(world):
    review = figures().review
    assert (review.cycle.year, review.ready, review.total) == (2025, 2, 3)


def test_the_team_filter_narrows_every_figure(world):
    portfolio = figures(team_id=world.teams["search"].pk)
    assert dict(portfolio.verdicts)["ALIGNED"] == 3
    assert portfolio.line_total == 3
    assert portfolio.credits.by_currency == {"USD": Decimal("200.00")}
    assert [(r.currency, r.contracts) for r in portfolio.exposure] == [("USD", 1)]
    assert (portfolio.exhausted_slos, portfolio.active_slos) == (1, 1)
    assert portfolio.waiting.count == 2
    assert portfolio.drifted == 0
    assert portfolio.renewals == {"90d": 0, "12m": 1}


def test_the_customer_filter_narrows_every_figure(world):
    portfolio = figures(customer_id=world.customers["acme"].pk)
    assert dict(portfolio.verdicts) == {
        "ALIGNED": 4,
        "THIN": 1,
        "INCOMPARABLE": 0,
        "MISMATCH": 2,
        "NO_SLO": 0,
    }
    assert portfolio.credits.by_currency == {"EUR": Decimal("350.00")}
    assert [(r.currency, r.contracts, r.monthly_fees) for r in portfolio.exposure] == [
        ("EUR", 2, Decimal("1500.00"))
    ]
    assert (portfolio.exhausted_slos, portfolio.active_slos) == (0, 1)
    assert portfolio.waiting.count == 1
    assert portfolio.waiting.oldest == timedelta(days=10)
    assert portfolio.drifted == 1
    assert portfolio.renewals == {"90d": 1, "12m": 2}


def test_an_empty_portfolio_has_zero_everywhere(db, frozen):
    portfolio = figures()
    assert portfolio.line_total == 0
    assert portfolio.credits.by_currency == {}
    assert portfolio.exposure == []
    assert portfolio.review.cycle is None
    assert portfolio.renewals == {"90d": 0, "12m": 0}
