"""The SLO page and the sales form's backtest preview fragment."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from apps.contracts.choices import ContractStatus
from tests.factories import CommitmentFactory, ContractFactory
from tests.measurements.gate_helpers import record_hours, record_months

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
PREVIEW = "/contracts/backtest-preview/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def year(availability):
    """Dec 2025 … Oct 2026 at 99.95 % except three bad months; nothing in November 2025."""
    months = {date(2025 + (m > 12), (m - 1) % 12 + 1, 1): "99.95" for m in range(12, 23)}
    months.update({date(2026, 2, 1): "99.5", date(2026, 6, 1): "99.85", date(2026, 10, 1): "99.7"})
    record_months(availability, months)
    return availability


def test_preview_says_what_history_and_the_policy_allow(client, alice, year, slo, schedule):
    client.force_login(alice)
    response = client.get(
        PREVIEW,
        {
            "indicator": year.pk,
            "target": "99.9",
            "period": "month",
            "credit_schedule": schedule.pk,
            "monthly_fee": "1000",
        },
    )

    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    # Feb, Jun and Oct missed 99.9 %; every month with data sits in the 10 % tier: 11 × €100.
    assert (
        "would have breached in 3 of the last 12 months (11 with data), costing ≈ 1,100.00 EUR in "
        "credits (≈ 1,200.00 EUR a year); history met at most 99.5 %; the policy allows at most "
        "99.8 %." in text
    )
    assert (
        "To promise 99.9 %, the SLO must first be tightened from 99.9 % to 99.95 %. Its measured "
        "attainment met 99.95 % in 8 of the last 12 months (0 in a row most recently)." in text
    )
    assert "The SLO missed its own 99.9 % target in 1 of the last 3 months: 2026-10 99.7 %." in text
    assert text.count("✗ breached") == 3
    assert "<html" not in text


def test_preview_counts_periods_in_the_contracts_timezone_and_credits_in_its_currency(
    client, alice, availability, schedule
):
    # A bad hour at 23:00 UTC on 30 September is 01:00 on 1 October in Paris.
    record_hours(availability, datetime(2026, 9, 15, tzinfo=UTC), 1, good=1000, total=1000)
    record_hours(availability, datetime(2026, 9, 30, 23, tzinfo=UTC), 1, good=0, total=1000)
    record_hours(availability, datetime(2026, 10, 15, tzinfo=UTC), 1, good=1000, total=1000)
    client.force_login(alice)
    query = {
        "indicator": availability.pk,
        "target": "99.9",
        "credit_schedule": schedule.pk,
        "monthly_fee": "1000",
    }

    def breached_rows(**extra) -> list[str]:
        html = client.get(PREVIEW, {**query, **extra}).content.decode()
        rows = [" ".join(row.split()) for row in html.split("<tr>")[2:]]
        return [row for row in rows if "breached" in row]

    in_utc = breached_rows()
    in_paris = breached_rows(timezone="Europe/Paris", currency="USD")

    assert len(in_utc) == len(in_paris) == 1
    assert "2026-09" in in_utc[0] and " EUR" in in_utc[0]
    assert "2026-10" in in_paris[0] and " USD" in in_paris[0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "indicator: This field is required."),
        ({"indicator": "x", "target": "99.9"}, "indicator: Incorrect type."),
        ({"target": "abc"}, "target: A valid number is required."),
        ({"target": "99.9", "monthly_fee": "-5"}, "monthly fee:"),
        ({"target": "99.9", "credit_schedule": "424242"}, "credit schedule:"),
    ],
)
def test_preview_names_what_is_missing_or_wrong(client, alice, availability, params, expected):
    client.force_login(alice)
    query = {"indicator": availability.pk, **params} if params else {}
    response = client.get(PREVIEW, query)

    assert response.status_code == 200
    assert expected in response.content.decode()


def test_preview_needs_a_login_and_the_right_to_see_commitments(client, mallory, availability):
    query = {"indicator": availability.pk, "target": "99.9"}
    assert client.get(PREVIEW, query).status_code == 302
    client.force_login(mallory)
    assert client.get(PREVIEW, query).status_code == 403


def test_preview_without_a_schedule_does_not_pretend_to_cost_nothing(client, alice, year, slo):
    client.force_login(alice)
    response = client.get(PREVIEW, {"indicator": year.pk, "target": "99.9", "credit_schedule": ""})
    text = " ".join(response.content.decode().split())
    assert "with no credit schedule chosen to cost it" in text
    assert "costing" not in text


def test_preview_without_history_says_so(client, alice, availability):
    client.force_login(alice)
    text = client.get(PREVIEW, {"indicator": availability.pk, "target": "99.9"}).content.decode()
    assert "no measurements of this indicator in the last 12 months" in text
    assert "No active SLO backs this indicator." in text


@pytest.fixture
def signed_slas(year, alice):
    for number, target, status in [
        ("ACME-001", "99.8", ContractStatus.SIGNED),
        ("BETA-001", "99.5", ContractStatus.DRAFT),
        ("OLD-001", "99.99", ContractStatus.TERMINATED),
    ]:
        contract = ContractFactory(number=number, owner=alice, status=status)
        CommitmentFactory(contract=contract, indicator=year, target=Decimal(target))


def test_slo_page_shows_months_budget_alerts_and_the_slas_it_backs(client, bob, slo, signed_slas):
    # Two bad hours: the 3-day/6-hour ticket rule fires (hourly buckets leave the 5- and
    # 30-minute lookbacks without data, so the page rules stay quiet).
    record_hours(slo.indicator, NOW - timedelta(hours=2), 2, good=900, total=1000)
    client.force_login(bob)

    response = client.get(f"/slos/{slo.pk}/")

    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "2026-10" in text and "99.7 %" in text
    # February, June, October, and November so far.
    assert text.count("✗ missed") == 4
    assert "Error budget remaining</dt> <dd>-9900 %" in text
    assert ">ticket<" in text and ">page<" not in text
    assert "<svg" in text and "SLO 99.9 %" in text
    # Signed and open contracts' targets are drawn; a terminated one is not.
    assert "<td>99.8 %</td>" in text and "ACME-001" in text and "BETA-001" in text
    assert "OLD-001" not in text
    assert "At risk." in text


def test_a_missed_100_percent_slo_says_its_budget_is_all_spent_on_page_and_list(
    client, bob, dave, slo
):
    slo.target = Decimal("100")
    slo.save(update_fields=["target"])
    record_hours(slo.indicator, NOW - timedelta(hours=2), 2, good=999, total=1000)
    client.force_login(bob)

    page = " ".join(client.get(f"/slos/{slo.pk}/").content.decode().split())
    client.force_login(dave)
    listed = client.get("/dashboards/slos/", {"format": "csv"}).content.decode()

    assert "Error budget remaining</dt> <dd>all spent (100 % SLO)" in page
    assert "∞ %" not in page
    assert "all spent (100 % SLO)" in listed


def test_slo_page_has_a_fixed_query_budget(
    client, bob, slo, signed_slas, django_assert_num_queries
):
    client.force_login(bob)
    client.get(f"/slos/{slo.pk}/")
    # Session, user, and the layout's roles and permissions (3) and its queue count; the SLO;
    # one GROUP BY of the months; the status aggregation; the SLA lines; AT_RISK (two). The same
    # however long the history or many the SLAs.
    with django_assert_num_queries(12):
        assert client.get(f"/slos/{slo.pk}/").status_code == 200


def test_slo_page_needs_a_login_and_an_existing_slo(client, bob, slo):
    assert client.get(f"/slos/{slo.pk}/").status_code == 302
    client.force_login(bob)
    assert client.get("/slos/999999/").status_code == 404


def test_slo_page_shows_only_the_contracts_the_reader_may_see(client, slo, signed_slas):
    from tests.factories import UserFactory

    zoe = UserFactory(username="zoe", roles=["Sales"])  # sales, owns none of these contracts
    client.force_login(zoe)
    text = client.get(f"/slos/{slo.pk}/").content.decode()
    assert "ACME-001" not in text and "BETA-001" not in text


def test_slo_page_is_refused_without_a_role(client, mallory, slo):
    client.force_login(mallory)
    assert client.get(f"/slos/{slo.pk}/").status_code == 403
