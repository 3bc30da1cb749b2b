"""A line owes the same credits on the dashboard, in its review packet and in its backtest:
all three take their periods from the one periods engine and price them the same way."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.contracts.backtest_summary import line_backtests
from apps.dashboards import selectors as dashboards
from apps.dashboards.filters import Filters
from apps.reviews import selectors

from .conftest import YEAR

AFTER_THE_YEAR = datetime(YEAR + 1, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(("period", "owed"), [("month", "3500.00"), ("quarter", "1000.00")])
def test_a_line_owes_the_same_on_the_dashboard_in_its_packet_and_in_its_backtest(
    reviewed, signed_line, payments, period, owed
):
    signed_line.period = period
    signed_line.save()

    packet = selectors.service_packet_data(payments.pk, YEAR)
    [packet_line] = packet["slas"]
    [dashboard_line] = dashboards.lines_owing_credits(Filters(year=YEAR), AFTER_THE_YEAR)
    backtest = line_backtests(
        [type(signed_line).objects.select_related("contract", "credit_schedule").get()],
        at=AFTER_THE_YEAR,
    )[signed_line.pk]

    assert packet_line["credits_owed"] == owed
    assert dashboard_line.amount == Decimal(owed)
    assert backtest.total_credits == Decimal(owed)
    by_period = [(p["start"], p["credit_amount"]) for p in packet_line["periods"]]
    assert [(p.start.isoformat(), str(p.amount)) for p in dashboard_line.periods] == by_period
    # A backtest replays the last twelve periods, of quarters too: the year's are the packet's.
    in_the_year = [p for p in backtest.periods if p.start.year == YEAR]
    assert [(p.start.isoformat(), str(p.credit_amount)) for p in in_the_year] == by_period
