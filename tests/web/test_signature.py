"""Signing: a confirmation page that shows what will be signed, the date and signatory
recorded on the revision and in its history, and legal's comment on the legal card."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.contracts import services
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def commented_contract(alice, bob, carol, aligned_line):
    contract = aligned_line.contract
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    services.contract_legal_approve(
        contract=contract, user=carol, comment="Liability cap checked against the MSA."
    )
    contract.refresh_from_db()
    return contract


def test_the_legal_card_shows_legals_comment(alice, commented_contract):
    page = client_as(alice).get(reverse("contracts:detail", args=[commented_contract.pk])).text
    card = page[page.index('id="legal-heading"') :]
    assert "“Liability cap checked against the MSA.”" in card[: card.index("</section>")]


def test_mark_signed_leads_to_a_page_showing_what_will_be_signed(carol, commented_contract):
    browser = client_as(carol)
    detail = browser.get(reverse("contracts:detail", args=[commented_contract.pk])).text
    confirm_url = reverse("contracts:sign-confirm", args=[commented_contract.pk])
    assert f'href="{confirm_url}">Mark signed…</a>' in detail
    page = browser.get(confirm_url).text
    assert "What will be signed" in page
    assert "Acme Corp" in page and "10,000.00 EUR" in page
    assert "Availability" in page and "99.8 %" in page
    assert "Liability cap checked against the MSA." in page
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert "Confirm and mark signed" in page
    commented_contract.refresh_from_db()
    assert commented_contract.status == ContractStatus.APPROVED  # looking signs nothing


def test_confirming_records_date_and_signatory_with_history(carol, commented_contract):
    browser = client_as(carol)
    url = reverse("contracts:sign-confirm", args=[commented_contract.pk])
    response = browser.post(
        url,
        {"signature_date": "2026-11-30", "signatory": "Jane Roe, CFO, Acme", "confirm": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "contracts:detail", args=[commented_contract.pk]
    )
    assert "The contract is signed." in response.text
    assert "Signed by Jane Roe, CFO, Acme on 2026-11-30; recorded by carol" in response.text
    contract = Contract.objects.get(pk=commented_contract.pk)
    assert (contract.status, contract.signature_date, contract.signatory, contract.signed_by) == (
        ContractStatus.SIGNED,
        date(2026, 11, 30),
        "Jane Roe, CFO, Acme",
        carol,
    )
    record = contract.history.first()
    assert record.history_user == carol
    assert record.signatory == "Jane Roe, CFO, Acme"
    assert record.history_change_reason == "Signed by Jane Roe, CFO, Acme on 2026-11-30."


def test_confirmation_needs_the_tick_a_signatory_and_a_past_date(carol, commented_contract):
    browser = client_as(carol)
    url = reverse("contracts:sign-confirm", args=[commented_contract.pk])
    unticked = browser.post(url, {"signature_date": "2026-11-30", "signatory": "Jane Roe"})
    assert unticked.status_code == 200
    assert "Confirm that these are the terms that were signed." in unticked.text
    nobody = browser.post(url, {"signature_date": "2026-11-30", "confirm": "on"})
    assert "This field is required." in nobody.text
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = browser.post(url, {"signature_date": tomorrow, "signatory": "J", "confirm": "on"})
    assert "The signature date cannot be in the future." in future.text
    commented_contract.refresh_from_db()
    assert commented_contract.status == ContractStatus.APPROVED
    assert commented_contract.history.filter(status=ContractStatus.SIGNED).count() == 0


def test_the_confirmation_says_why_a_contract_cannot_be_signed(carol, alice, aligned_line):
    services.contract_submit(contract=aligned_line.contract, user=alice)
    response = client_as(carol).get(
        reverse("contracts:sign-confirm", args=[aligned_line.contract_id]), follow=True
    )
    assert "cannot be signed by you now (it is in review)" in response.text


def test_the_api_signs_with_or_without_the_new_fields(carol, commented_contract):
    api = APIClient()
    api.force_authenticate(carol)
    response = api.post(
        f"/api/v1/contracts/{commented_contract.pk}/sign/",
        {"signature_date": "2026-11-29", "signatory": "Jane Roe"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["signature_date"] == "2026-11-29"
    assert response.json()["signatory"] == "Jane Roe"
    assert response.json()["legal_comment"] == "Liability cap checked against the MSA."


def test_the_api_sign_without_a_body_records_today_and_the_signer(carol, commented_contract):
    api = APIClient()
    api.force_authenticate(carol)
    response = api.post(f"/api/v1/contracts/{commented_contract.pk}/sign/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "signed"
    assert body["signature_date"] == timezone.localdate().isoformat()
    assert body["signatory"] == "Carol"
