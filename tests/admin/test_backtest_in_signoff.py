"""Engineering sees the backtest where it signs off: on a line's admin page and on the
approve/reject page, with the figures the backtest API gives for the same terms."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from apps.contracts import services
from apps.contracts.backtest_summary import line_backtests, line_report
from apps.contracts.choices import Period
from apps.contracts.models import SignOff
from tests.conftest import api_as
from tests.factories import CommitmentFactory, ContractFactory, IndicatorFactory
from tests.measurements.gate_helpers import record_hours, record_months

from .helpers import client_for, run_action

pytestmark = pytest.mark.django_db

MODEL = "contracts_commitment"
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
# The last 12 full months are Nov 2025 … Oct 2026; only the last four have samples.
MONTHS = {
    date(2026, 7, 1): "99.95",
    date(2026, 8, 1): "99.5",
    date(2026, 9, 1): "99.99",
    date(2026, 10, 1): "98.0",
}
# The change page, whatever the history: session, user, roles, the line, permissions (2), its
# indicator, service, contract and schedule, the report's GROUP BY and the schedule's tiers, the
# alignment (active SLOs, buffer policy), AT_RISK (the SLO's recent months, its window budget;
# the level history reuses the report's months), the current sign-off, the waivers and the
# schedule's tiers again for the line's terms ("≥ 99 and < 99.99 % → 10 %; …"), and for
# whether they contradict the target, with legal's confirmations of that; the engineer's teams
# (whether the page offers Approve and Reject).
CHANGE_PAGE_QUERIES = 22
# The approve page: session, user, roles, permissions (2), the changelist Django builds before any
# action (team filter choices twice, the count), the selected lines with their contracts and
# schedules, one GROUP BY per contract timezone (one here) and the tiers, the tiers and legal's
# confirmations for whether the credits contradict the target: 2 lines or 6.
INTERMEDIATE_PAGE_QUERIES = 13


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def line(alice, acme, availability, slo, schedule):
    """99.9 % on the 99.9 % SLO with the cloud-style schedule, on a 10,000 € a month contract,
    submitted: four months of history."""
    record_months(availability, MONTHS)
    contract = ContractFactory(
        customer=acme, owner=alice, number="ACME-BT", monthly_fee=Decimal("10000")
    )
    made = services.commitment_create(
        contract=contract,
        user=alice,
        indicator=availability,
        target=Decimal("99.9"),
        credit_schedule=schedule,
    )
    services.contract_submit(contract=contract, user=alice)
    return made


def _history_section(html: str) -> str:
    start = html.index("History (backtest)")
    return html[start : html.index("Engineering decision", start)]


def _text(html: str) -> str:
    spaced = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([.,;:)])", r"\1", spaced)


def test_bob_sees_breaches_credits_and_the_safest_target_on_the_line_page(bob, line):
    response = client_for(bob).get(reverse(f"admin:{MODEL}_change", args=[line.pk]))

    assert response.status_code == 200
    text = _text(_history_section(response.content.decode()))
    # Below 99.9 in Aug (99.5) and Oct (98.0): 2 breaches among the 4 months with data.
    assert "Would have breached 99.9 % in 2 of the last 12 months (4 with data)." in text
    assert "Breach rate: 50 % of the months with data." in text
    # Schedule <99.99 → 10 %, <99.0 → 25 %: Jul 1,000 €, Aug 1,000 €, Sep nothing (99.99 is
    # met), Oct 2,500 €; 4,500 € over 4 months with data → 1,125 € a month, 13,500 € a year.
    assert "4,500.00 EUR over these months; expected per year 13,500.00 EUR." in text
    assert "Safest target (met in every month with data): 98 %." in text
    # A 2.0 budget ratio on a 99.9 % SLO: 99.8 % at most; 99.9 % needs the SLO at 99.95 %,
    # which Jul (99.95) and Sep (99.99) met, Oct did not.
    assert "The policy's safe maximum: 99.8 %." in text
    assert "the SLO must first be tightened from 99.9 % to 99.95 %." in text
    assert "met 99.95 % in 2 of the last 12 months (0 in a row most recently)" in text
    assert "2026-10 98 % ✗ breached 25 % 2,500.00 EUR" in text
    assert "2026-09 99.99 % 0 % 0.00 EUR" in text
    assert "2025-11 no data 0 % 0.00 EUR" in text


def test_the_line_page_shows_what_the_backtest_api_answers(bob, line, schedule):
    page = _text(
        _history_section(
            client_for(bob).get(reverse(f"admin:{MODEL}_change", args=[line.pk])).content.decode()
        )
    )
    body = (
        api_as(bob)
        .post(
            "/api/v1/backtest/",
            {
                "indicator": line.indicator_id,
                "target": "99.9",
                "credit_schedule": schedule.pk,
                "monthly_fee": "10000",
            },
            format="json",
        )
        .json()
    )

    assert f"in {body['breaches']} of the last {len(body['periods'])} months" in page
    assert f"{Decimal(body['expected_annual_credits']):,.2f} EUR." in page
    assert f"{Decimal(body['safest_target']).normalize()} %" in page


def test_a_line_without_history_or_schedule_says_so(bob, alice, contract, latency):
    quiet = CommitmentFactory(contract=contract, indicator=latency, target=Decimal("99"))

    response = client_for(bob).get(reverse(f"admin:{MODEL}_change", args=[quiet.pk]))

    text = _text(_history_section(response.content.decode()))
    assert "No measurements of this indicator in the last 12 months: nothing to backtest." in text
    assert "The policy's safe maximum: — (no active SLO)." in text


def test_the_line_page_costs_a_fixed_number_of_queries(bob, line, django_assert_num_queries):
    client = client_for(bob)
    url = reverse(f"admin:{MODEL}_change", args=[line.pk])
    client.get(url)  # warm the content-type cache

    with django_assert_num_queries(CHANGE_PAGE_QUERIES):
        assert client.get(url).status_code == 200


def test_the_approve_page_summarises_each_selected_line(bob, line, availability, acme, alice):
    record_months(availability, {date(2026, 1, 1): "99.97"})
    loose = CommitmentFactory(
        contract=ContractFactory(customer=acme, owner=alice, currency="USD", monthly_fee=500),
        indicator=availability,
        target=Decimal("99"),
    )

    response = run_action(bob, MODEL, "approve_lines", [line, loose])

    assert response.templates[0].name == "admin/action_with_comment.html"
    text = _text(response.content.decode())
    # 99.9 %: Aug and Oct breach; credits Jan (99.97) 1,000 € on top of the 4,500 €.
    assert (
        "would have breached in 2 of the last 12 months (5 with data), ≈ 5,500.00 EUR in credits; "
        "history met at most 98 %" in text
    )
    # 99 %: only Oct (98.0) breaches; no schedule on this line.
    assert (
        "would have breached in 1 of the last 12 months (5 with data), no credit schedule to "
        "cost it; history met at most 98 %" in text
    )
    assert not SignOff.objects.exists()


def test_approving_after_the_summary_still_signs_off(bob, alice, acme, availability, slo):
    record_months(availability, MONTHS)
    contract = ContractFactory(customer=acme, owner=alice)
    aligned = services.commitment_create(
        contract=contract, user=alice, indicator=availability, target=Decimal("99.8")
    )
    services.contract_submit(contract=contract, user=alice)

    run_action(bob, MODEL, "approve_lines", [aligned], apply="yes", comment="History is fine.")

    assert SignOff.objects.get(commitment=aligned).comment == "History is fine."


def _lines(count: int, alice, schedule) -> list:
    """``count`` lines on different indicators and contracts, months and quarters mixed."""
    made = []
    for index in range(count):
        indicator = IndicatorFactory()
        record_months(indicator, {date(2026, 3 + index, 1): "99.4"})
        made.append(
            CommitmentFactory(
                contract=ContractFactory(owner=alice),
                indicator=indicator,
                target=Decimal("99.5"),
                period=Period.QUARTER if index % 2 else Period.MONTH,
                credit_schedule=schedule if index % 3 else None,
            )
        )
    return made


@pytest.mark.parametrize("count", [2, 6])
def test_the_approve_page_costs_the_same_for_any_selection(
    bob, alice, schedule, count, django_assert_num_queries
):
    lines = _lines(count, alice, schedule)
    client = client_for(bob)
    data = {"action": "approve_lines", "_selected_action": [x.pk for x in lines]}
    url = reverse(f"admin:{MODEL}_changelist")
    client.post(url, data)  # warm the content-type cache

    with django_assert_num_queries(INTERMEDIATE_PAGE_QUERIES):
        response = client.post(url, data)

    assert response.content.decode().count("would have breached in 1 of the last 12") == count


def test_the_batch_gives_each_line_the_figures_of_its_own_report(alice, schedule):
    """Quarters summed from months, and each contract's own calendar, as backtest_report has."""
    indicator = IndicatorFactory()
    # A bad hour on the last evening of March in Auckland: April already in Auckland, March in
    # UTC; and a good stretch that straddles the quarter boundary in UTC too.
    record_hours(indicator, datetime(2026, 3, 31, 10, tzinfo=UTC), 5, good=90, total=100)
    record_hours(indicator, datetime(2026, 6, 30, 10, tzinfo=UTC), 20, good=100, total=100)
    lines = [
        CommitmentFactory(
            contract=ContractFactory(owner=alice, timezone=zone),
            indicator=indicator,
            target=Decimal("99.9"),
            period=period,
            credit_schedule=schedule,
        )
        for zone in ("UTC", "Pacific/Auckland")
        for period in (Period.MONTH, Period.QUARTER)
    ]

    batched = line_backtests(lines)

    for each in lines:
        assert batched[each.pk] == line_report(each).result, (each.contract.timezone, each.period)
    assert batched[lines[0].pk] != batched[lines[2].pk]
