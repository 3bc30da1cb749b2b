"""Each page costs a fixed number of queries, however many rows it shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.contracts import services
from tests.document_files import signed_pdf
from tests.factories import CommitmentFactory, ContractFactory, CustomerFactory, IndicatorFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db

# session, user, permissions (user, groups), roles, customers and owners for the filters,
# count, page
LIST_QUERIES = 9
# The navigation's count of what waits for legal (or for an engineer's team).
QUEUE_COUNT = 1
# session, user, contract, lines, sign-offs, waivers, schedule confirmations, SLOs, policies,
# SLO risk (2), documents, history: contract, lines (read once: the sign-offs' labels come from
# them), sign-offs, waivers; permissions (2), roles. (The schedules' tiers are one more query
# when a line has a schedule; these lines have none.)
DETAIL_QUERIES = 19
# The documents' history in the timeline, read once the revision has documents.
DOCUMENT_HISTORY = 1
# session, user, permissions (2), indicator, active SLOs, buffer policy, SLO risk (2)
PREVIEW_QUERIES = 9


def _queries(browser, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url, data)
    assert response.status_code == 200
    return len(queries)


def _contracts(owner, count, availability):
    for index in range(count):
        contract = ContractFactory(owner=owner, customer=CustomerFactory())
        CommitmentFactory(contract=contract, indicator=availability, target=Decimal("99.8"))
        if index % 2:
            CommitmentFactory(contract=contract, indicator=availability, target=Decimal("99.99"))


def test_contract_list_costs_the_same_for_2_and_30_contracts(carol, alice, availability, slo):
    browser = client_as(carol)
    url = reverse("contracts:list")
    _contracts(alice, 2, availability)
    few = _queries(browser, url)
    _contracts(alice, 28, availability)
    many = _queries(browser, url, {"page": 2})
    assert few == many == LIST_QUERIES + QUEUE_COUNT


def test_filtered_contract_list_keeps_its_budget(alice, availability, slo, acme):
    browser = client_as(alice)
    _contracts(alice, 3, availability)
    count = _queries(browser, reverse("contracts:list"), {"status": "draft", "customer": acme.pk})
    assert count == LIST_QUERIES + 1  # the chosen customer is looked up


def _contract_with_lines(count, *, alice, bob, carol, dave, indicator):
    contract = ContractFactory(owner=alice, number=f"BUDGET-{count}")
    lines = [
        services.commitment_create(
            contract=contract, user=alice, indicator=indicator, target=Decimal("99.5")
        )
        for _ in range(count)
    ]
    # Every line edited once so that each has several history rows.
    for line in lines:
        services.commitment_update(commitment=line, user=alice, target=Decimal("99.6"))
    services.contract_submit(contract=contract, user=alice)
    services.waiver_grant(
        commitment=lines[0],
        user=dave,
        justification="Strategic account.",
        expires_on=timezone.localdate() + timedelta(days=30),
    )
    for line in lines:
        services.commitment_signoff(commitment=line, user=bob, decision="approve")
    # A decision voided (as an edit of the line would) and taken again: both rows show.
    services.signoffs_void_for_commitment(commitment=lines[-1], reason="Line edited.", user=alice)
    services.commitment_signoff(commitment=lines[-1], user=bob, decision="approve", comment="Re")
    services.contract_legal_approve(contract=contract, user=carol)
    return contract


def test_contract_page_costs_the_same_for_2_and_10_lines(
    alice, bob, carol, dave, availability, slo
):
    browser = client_as(carol)
    actors = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "indicator": availability}
    small = _contract_with_lines(2, **actors)
    large = _contract_with_lines(10, **actors)
    few = _queries(browser, reverse("contracts:detail", args=[small.pk]))
    many = _queries(browser, reverse("contracts:detail", args=[large.pk]))
    assert few == many == DETAIL_QUERIES + QUEUE_COUNT

    page = browser.get(reverse("contracts:detail", args=[large.pk])).text
    assert page.count('class="card line-view"') == 10
    assert "1 voided sign-off" in page
    assert "Strategic account." in page


def test_contract_page_with_lines_on_several_services_keeps_its_budget(
    alice, carol, availability, slo
):
    contract = ContractFactory(owner=alice)
    for _ in range(4):
        services.commitment_create(
            contract=contract, user=alice, indicator=IndicatorFactory(), target=Decimal("99")
        )
    services.commitment_create(
        contract=contract, user=alice, indicator=availability, target=Decimal("99")
    )
    count = _queries(client_as(carol), reverse("contracts:detail", args=[contract.pk]))
    assert count <= DETAIL_QUERIES + QUEUE_COUNT


def test_contract_page_costs_the_same_for_1_and_6_documents(
    alice, bob, carol, dave, availability, slo
):
    actors = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "indicator": availability}
    contract = _contract_with_lines(2, **actors)
    browser = client_as(carol)
    url = reverse("contracts:detail", args=[contract.pk])

    def attach(count):
        for index in range(count):
            services.document_attach(
                contract=contract,
                file=signed_pdf(f"annex-{index}.pdf"),
                kind="attachment",
                user=alice,
            )

    attach(1)
    few = _queries(browser, url)
    attach(5)
    many = _queries(browser, url)
    assert few == many == DETAIL_QUERIES + DOCUMENT_HISTORY + QUEUE_COUNT
    assert browser.get(url).text.count(" download>annex-") == 6


def test_alignment_preview_has_a_fixed_budget(alice, availability, slo):
    count = _queries(
        client_as(alice),
        reverse("contracts:alignment-preview"),
        {"indicator": availability.pk, "target": "99.5"},
    )
    assert count == PREVIEW_QUERIES
