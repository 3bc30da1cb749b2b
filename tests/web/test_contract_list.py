"""The contract list: numbers, revisions, verdict counts, filters and pages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.contracts import services
from tests.factories import CommitmentFactory, ContractFactory, CustomerFactory

from .helpers import client_as
from .test_query_budgets import LIST_QUERIES, QUEUE_COUNT

pytestmark = pytest.mark.django_db


def test_each_row_counts_lines_by_verdict(alice, contract, availability, slo):
    for target in ("99.8", "99.5", "99.95"):
        services.commitment_create(
            contract=contract, user=alice, indicator=availability, target=Decimal(target)
        )
    response = client_as(alice).get(reverse("contracts:list"))
    (row,) = response.context["rows"]
    assert row[0] == contract
    assert row[1] == [("ALIGNED", 2), ("MISMATCH", 1)]
    assert "3 lines" in response.text
    assert 'aria-label="2 lines">× 2' in response.text


def test_filters_by_status_and_customer(alice, carol, contract, availability, slo):
    other = ContractFactory(owner=alice, customer=CustomerFactory(name="Globex"), number="GLX-1")
    CommitmentFactory(contract=contract, indicator=availability, target=Decimal("99.8"))
    services.contract_submit(contract=contract, user=alice)
    browser = client_as(carol)

    def numbers(**filters):
        response = browser.get(reverse("contracts:list"), filters)
        return [row[0].number for row in response.context["rows"]]

    assert sorted(numbers()) == ["ACME-001", "GLX-1"]
    assert numbers(status="in_review") == ["ACME-001"]
    assert numbers(status="draft") == ["GLX-1"]
    assert numbers(customer=other.customer_id) == ["GLX-1"]
    assert numbers(status="draft", customer=contract.customer_id) == []


def test_an_unknown_filter_value_is_reported_not_fatal(carol, contract):
    response = client_as(carol).get(reverse("contracts:list"), {"status": "bogus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert [row[0] for row in response.context["rows"]] == [contract]


def test_pages_keep_the_filters(carol, alice):
    customer = CustomerFactory(name="Initech")
    for _ in range(30):
        ContractFactory(owner=alice, customer=customer)
    browser = client_as(carol)
    first = browser.get(reverse("contracts:list"), {"customer": customer.pk})
    assert len(first.context["rows"]) == 25
    assert f"?customer={customer.pk}&amp;page=2" in first.text
    second = browser.get(reverse("contracts:list"), {"customer": customer.pk, "page": 2})
    assert len(second.context["rows"]) == 5
    assert "page 2 of 2" in second.text


def _numbers(response) -> list[str]:
    return [row[0].number for row in response.context["rows"]]


@pytest.fixture
def three(alice, carol):
    """Three contracts of different customers, fees and renewal dates."""
    today = timezone.localdate()
    return [
        ContractFactory(
            owner=alice,
            customer=CustomerFactory(name="Initech"),
            number="INI-7",
            title="Printer fleet",
            monthly_fee=Decimal("32450"),
            start_date=date(2026, 1, 1),
            end_date=date(2027, 12, 31),
            renewal_date=today + timedelta(days=10),
        ),
        ContractFactory(
            owner=carol,
            customer=CustomerFactory(name="Globex"),
            number="GLX-2",
            title="Hammock cloud",
            monthly_fee=Decimal("900"),
            currency="USD",
            renewal_date=today + timedelta(days=45),
        ),
        ContractFactory(
            owner=alice,
            customer=CustomerFactory(name="Umbrella"),
            number="UMB-3",
            monthly_fee=Decimal("5000"),
            renewal_date=today - timedelta(days=1),
        ),
    ]


def test_the_list_shows_fee_and_dates(carol, three):
    page = client_as(carol).get(reverse("contracts:list")).text
    assert "32,450.00 EUR" in page
    assert "900.00 USD" in page
    assert "2026-01-01" in page and "2027-12-31" in page
    for heading in ("Monthly fee", "Start", "End", "Renewal"):
        assert f">{heading}</a></th>" in page


def test_search_matches_number_customer_and_title(carol, three):
    browser = client_as(carol)
    assert _numbers(browser.get(reverse("contracts:list"), {"q": "glx"})) == ["GLX-2"]
    assert _numbers(browser.get(reverse("contracts:list"), {"q": "umbrel"})) == ["UMB-3"]
    assert _numbers(browser.get(reverse("contracts:list"), {"q": "printer"})) == ["INI-7"]
    response = browser.get(reverse("contracts:list"), {"q": "nothing like it"})
    assert "No contracts match these filters." in response.text


def test_sorting_by_a_column_and_back(carol, three):
    browser = client_as(carol)
    response = browser.get(reverse("contracts:list"), {"sort": "fee"})
    assert _numbers(response) == ["GLX-2", "UMB-3", "INI-7"]
    # The heading of the current sort offers the reverse order.
    assert 'aria-sort="ascending"><a href="?sort=-fee">Monthly fee ▲</a>' in response.text
    response = browser.get(reverse("contracts:list"), {"sort": "-fee"})
    assert _numbers(response) == ["INI-7", "UMB-3", "GLX-2"]
    response = browser.get(reverse("contracts:list"), {"sort": "customer"})
    assert _numbers(response) == ["GLX-2", "INI-7", "UMB-3"]


def test_filters_by_owner_and_renewal_window(alice, carol, three):
    browser = client_as(carol)
    mine = browser.get(reverse("contracts:list"), {"owner": "me"})
    assert _numbers(mine) == ["GLX-2"]
    alices = browser.get(reverse("contracts:list"), {"owner": alice.pk, "sort": "number"})
    assert _numbers(alices) == ["INI-7", "UMB-3"]
    # Renewing within 30 days: today up to 30 days ahead, not the one already past.
    soon = browser.get(reverse("contracts:list"), {"renewal": 30})
    assert _numbers(soon) == ["INI-7"]
    assert _numbers(browser.get(reverse("contracts:list"), {"renewal": 60, "sort": "renewal"})) == [
        "INI-7",
        "GLX-2",
    ]


def test_filters_by_verdict_of_a_line(carol, alice, three, availability, slo):
    services.commitment_create(
        contract=three[1], user=carol, indicator=availability, target=Decimal("99.99")
    )
    services.commitment_create(
        contract=three[0], user=alice, indicator=availability, target=Decimal("99.8")
    )
    browser = client_as(carol)
    assert _numbers(browser.get(reverse("contracts:list"), {"verdict": "MISMATCH"})) == ["GLX-2"]
    assert _numbers(browser.get(reverse("contracts:list"), {"verdict": "ALIGNED"})) == ["INI-7"]


def test_bad_filter_values_are_named_and_the_rest_still_apply(carol, three):
    response = client_as(carol).get(
        reverse("contracts:list"),
        {"renewal": "soon", "sort": "price", "verdict": "GREAT", "q": "glx"},
    )
    assert response.status_code == 200
    text = response.text
    assert "Some filters were ignored:" in text
    assert "Renews within (days): Enter a whole number." in text
    assert "Select a valid choice. price is not one of the available choices." in text
    assert "Select a valid choice. GREAT is not one of the available choices." in text
    assert _numbers(response) == ["GLX-2"]
    negative = client_as(carol).get(reverse("contracts:list"), {"renewal": "-3"})
    assert "Ensure this value is greater than or equal to 0." in negative.text
    assert client_as(carol).get(reverse("contracts:list"), {"page": "last"}).status_code == 200


def test_every_filter_at_once_keeps_a_fixed_budget(carol, alice, availability, slo):
    browser = client_as(carol)
    filters = {"q": "C-", "status": "draft", "verdict": "ALIGNED", "owner": alice.pk}
    filters |= {"renewal": 400, "sort": "-fee", "page": 1}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(reverse("contracts:list"), filters).status_code == 200
        return len(captured)

    def add(count):
        for index in range(count):
            contract = ContractFactory(
                owner=alice, renewal_date=timezone.localdate() + timedelta(days=index)
            )
            CommitmentFactory(
                contract=contract, indicator=availability, target=Decimal("99.8"), verdict="ALIGNED"
            )

    add(2)
    few = queries()
    add(30)
    response = browser.get(reverse("contracts:list"), filters)
    assert len(response.context["rows"]) == 25
    assert queries() == few == LIST_QUERIES + QUEUE_COUNT
