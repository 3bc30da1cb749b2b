"""Each person lands on their own work after signing in, and the navigation counts it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.contracts import services
from apps.core.roles import SUPPORT
from tests.factories import CommitmentFactory, ContractFactory, UserFactory

from .helpers import client_as
from .test_query_budgets import LIST_QUERIES, QUEUE_COUNT

pytestmark = pytest.mark.django_db


def _login(user):
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": "pw"})
    return client, response


def test_engineer_lands_on_the_lines_awaiting_their_team(bob, aligned_line, alice):
    services.contract_submit(contract=aligned_line.contract, user=alice)
    client, response = _login(bob)
    assert response.status_code == 302
    landing = client.get(response.url, follow=True)
    assert landing.request["PATH_INFO"] == reverse("admin:contracts_commitment_changelist")
    assert landing.request["QUERY_STRING"] == "awaiting=me"
    assert "ACME-001" in landing.text


def test_legal_lands_on_what_waits_for_legal(carol, alice, bob, aligned_line, availability):
    waiting = aligned_line.contract
    services.contract_submit(contract=waiting, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    # Submitted, but engineering has not decided its line yet: not legal's turn.
    undecided = ContractFactory(owner=alice, number="EARLY-1")
    CommitmentFactory(contract=undecided, indicator=availability, target=Decimal("99.8"))
    services.contract_submit(contract=undecided, user=alice)
    ContractFactory(owner=alice, number="DRAFT-1")
    client, response = _login(carol)
    page = client.get(response.url, follow=True)
    assert "<h1>Waiting for legal</h1>" in page.text
    assert [row[0].number for row in page.context["rows"]] == ["ACME-001"]
    assert 'Waiting for legal <span class="count" aria-label="1 waiting">1</span>' in page.text


def test_approved_contracts_wait_for_legal_signature(carol, alice, bob, aligned_line):
    contract = aligned_line.contract
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    services.contract_legal_approve(contract=contract, user=carol)
    page = client_as(carol).get(reverse("home"), follow=True)
    assert [row[0].number for row in page.context["rows"]] == ["ACME-001"]
    services.contract_sign(contract=contract, user=carol)
    page = client_as(carol).get(reverse("home"), follow=True)
    assert page.context["rows"] == []
    assert "No contracts match these filters." in page.text


def test_leadership_lands_on_the_portfolio(dave):
    client, response = _login(dave)
    assert response.url == reverse("home")
    assert client.get(response.url).url == reverse("dashboards:portfolio")


def test_sales_lands_on_their_own_contracts(alice, contract, carol):
    ContractFactory(owner=carol, legal_reviewer=alice, number="REVIEWED-1")
    page = client_as(alice).get("/", follow=True)
    assert page.request["QUERY_STRING"] == "owner=me"
    assert [row[0].number for row in page.context["rows"]] == ["ACME-001"]


def test_support_lands_on_the_ticket_list(db):
    sam = UserFactory(username="sam", roles=[SUPPORT])
    assert client_as(sam).get("/").url == reverse("support:tickets")


def test_the_engineers_count_follows_the_queue(bob, alice, aligned_line):
    browser = client_as(bob)
    assert 'aria-label="0 waiting">0</span>' in browser.get(reverse("contracts:list")).text
    services.contract_submit(contract=aligned_line.contract, user=alice)
    page = browser.get(reverse("contracts:list")).text
    assert 'Awaiting my team <span class="count" aria-label="1 waiting">1</span>' in page
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    assert 'aria-label="0 waiting">0</span>' in browser.get(reverse("contracts:list")).text


def test_the_navigation_counts_cost_one_query_each_however_long_the_queue(
    bob, alice, availability, slo
):
    browser = client_as(bob)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(reverse("contracts:list")).status_code == 200
        return len(captured)

    def submit(count):
        for _ in range(count):
            contract = ContractFactory(owner=alice)
            CommitmentFactory(contract=contract, indicator=availability, target=Decimal("99.8"))
            services.contract_submit(contract=contract, user=alice)

    submit(1)
    few = queries()
    submit(12)
    assert queries() == few == LIST_QUERIES + QUEUE_COUNT
    page = browser.get(reverse("contracts:list")).text
    assert 'Awaiting my team <span class="count" aria-label="13 waiting">13</span>' in page
