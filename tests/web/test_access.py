"""Who may see and do what on the contract pages."""

import pytest
from django.urls import reverse

from apps.contracts.choices import ContractStatus
from tests.factories import ContractFactory, UserFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "contracts:detail"),
        ("get", "contracts:edit"),
        ("post", "contracts:edit"),
        ("post", "contracts:submit"),
        ("post", "contracts:sign"),
        ("post", "contracts:terminate"),
    ],
)
def test_mallory_gets_404_on_alices_contract(mallory, contract, method, name):
    response = getattr(client_as(mallory), method)(reverse(name, args=[contract.pk]))
    assert response.status_code == 404
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_sales_see_only_their_own_contracts(alice, contract):
    other_sales = UserFactory(username="sam", roles=["Sales"])
    theirs = ContractFactory(owner=other_sales, number="SAM-1")
    browser = client_as(alice)
    listing = browser.get(reverse("contracts:list")).text
    assert contract.number in listing
    assert theirs.number not in listing
    assert browser.get(reverse("contracts:detail", args=[theirs.pk])).status_code == 404


def test_the_submit_button_is_the_owners_alone(alice, carol, aligned_line):
    url = reverse("contracts:detail", args=[aligned_line.contract_id])
    assert "Submit for review" in client_as(alice).get(url).text
    assert "Submit for review" not in client_as(carol).get(url).text
    response = client_as(carol).post(reverse("contracts:submit", args=[aligned_line.contract_id]))
    assert response.status_code == 302
    aligned_line.contract.refresh_from_db()
    assert aligned_line.contract.status == ContractStatus.DRAFT


def test_csrf_is_enforced_on_actions(alice, aligned_line):
    browser = client_as(alice, enforce_csrf_checks=True)
    response = browser.post(reverse("contracts:submit", args=[aligned_line.contract_id]))
    assert response.status_code == 403
    aligned_line.contract.refresh_from_db()
    assert aligned_line.contract.status == ContractStatus.DRAFT


def test_actions_refuse_get(alice, aligned_line):
    response = client_as(alice).get(reverse("contracts:submit", args=[aligned_line.contract_id]))
    assert response.status_code == 405


def test_anonymous_visitors_are_sent_to_login(client, contract):
    response = client.get(reverse("contracts:detail", args=[contract.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
