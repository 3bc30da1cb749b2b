"""The contract list: numbers, revisions, verdict counts, filters and pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts import services
from tests.factories import CommitmentFactory, ContractFactory, CustomerFactory

from .helpers import client_as

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
