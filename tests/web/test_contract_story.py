"""The governance story through the browser: alice drafts and submits, carol reviews."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Contract
from apps.slos.alignment import Verdict

from .helpers import client_as, contract_form_data

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    """The messages shown on the page a followed redirect landed on."""
    return [str(message) for message in response.context["messages"]]


def test_alice_drafts_a_line_tighter_than_the_slo_and_carol_reviews_it(
    alice, carol, acme, availability, slo, schedule
):
    alice_browser = Client()
    response = alice_browser.post(
        reverse("login"), {"username": "alice", "password": "pw"}, follow=True
    )
    # Sales land on their own contracts.
    assert response.redirect_chain[-1][0] == reverse("contracts:list") + "?owner=me"
    assert "Alice" in response.text

    form_page = alice_browser.get(reverse("contracts:create"))
    assert '<optgroup label="Payments API">' in form_page.text
    assert 'aria-live="polite"' in form_page.text

    preview = alice_browser.get(
        reverse("contracts:alignment-preview"),
        {"indicator": availability.pk, "target": "99.95"},
    )
    assert preview.status_code == 200
    assert "MISMATCH" in preview.text
    assert "stricter than the SLO target 99.9 %" in preview.text
    assert "The most you can safely promise: <strong>99.8 %</strong>" in preview.text

    response = alice_browser.post(
        reverse("contracts:create"),
        contract_form_data(
            customer=acme.pk,
            number="ACME-100",
            monthly_fee="2500.00",
            lines=[
                {"indicator": availability.pk, "target": "99.95", "credit_schedule": schedule.pk}
            ],
        ),
    )
    contract = Contract.objects.get(number="ACME-100")
    assert response.status_code == 302
    assert response.url == reverse("contracts:detail", args=[contract.pk])
    assert contract.owner == alice
    line = contract.commitments.get()
    assert (line.target, line.verdict) == (Decimal("99.95"), Verdict.MISMATCH)
    assert line.history.get().history_user == alice

    page = alice_browser.get(response.url)
    assert "MISMATCH" in page.text
    assert "The most you can safely promise" in page.text

    response = alice_browser.post(reverse("contracts:submit", args=[contract.pk]), follow=True)
    assert "Submitted for review" in response.text
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.submitted_by == alice

    alice_page = alice_browser.get(reverse("contracts:detail", args=[contract.pk]))
    for legal_button in ("Record legal approval", "Mark signed", "Terminate"):
        assert legal_button not in alice_page.text
    assert "Submit for review" not in alice_page.text  # already submitted

    carol_browser = client_as(carol)
    carol_page = carol_browser.get(reverse("contracts:detail", args=[contract.pk]))
    assert "Record legal approval" in carol_page.text
    assert "Edit terms and lines" not in carol_page.text  # in review: not editable
    response = carol_browser.post(
        reverse("contracts:legal-approve", args=[contract.pk]),
        {"comment": "Terms fine."},
        follow=True,
    )
    assert _messages(response) == ["Legal approval recorded."]
    contract.refresh_from_db()
    assert contract.legal_approved_by == carol
    assert contract.status == ContractStatus.IN_REVIEW  # engineering has not approved the line

    response = carol_browser.post(reverse("contracts:sign", args=[contract.pk]), follow=True)
    assert response.redirect_chain == [(reverse("contracts:detail", args=[contract.pk]), 302)]
    (message,) = _messages(response)
    assert message.startswith("Nothing changed:")
    assert "has no current engineering approval" in message
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.signed_at is None

    timeline = carol_browser.get(reverse("contracts:detail", args=[contract.pk])).text
    timeline = timeline[timeline.index('id="timeline-heading"') :]
    assert '<strong class="who">alice</strong>' in timeline
    assert '<strong class="who">carol</strong>' in timeline
    assert "Submitted for review." in timeline
    assert "status: Draft → In review" in timeline
    assert "legal approved by: — → carol" in timeline
    assert "Terms fine." in timeline


def test_logout_is_a_post_and_ends_the_session(alice):
    browser = client_as(alice)
    assert browser.get(reverse("contracts:list")).status_code == 200
    browser.post(reverse("logout"))
    response = browser.get(reverse("contracts:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_navigation_offers_only_what_the_role_allows(alice, carol, mallory):
    alice_page = client_as(alice).get(reverse("contracts:list")).text
    assert f'href="{reverse("contracts:create")}"' in alice_page
    assert 'href="/admin/"' not in alice_page

    carol_page = client_as(carol).get(reverse("contracts:list")).text
    assert f'href="{reverse("contracts:create")}"' not in carol_page
    assert 'href="/admin/"' in carol_page

    mallory_page = client_as(mallory).get(reverse("contracts:list")).text
    assert "No contracts" in mallory_page
    assert ">Contracts</a>" not in mallory_page
    assert client_as(mallory).get(reverse("contracts:create")).status_code == 403


def test_a_signed_contract_is_amended_into_a_new_draft(alice, signed_contract):
    browser = client_as(alice)
    page = browser.get(reverse("contracts:detail", args=[signed_contract.pk])).text
    assert "Amend (new revision)" in page
    assert "Edit terms and lines" not in page

    response = browser.post(reverse("contracts:amend", args=[signed_contract.pk]))
    draft = Contract.objects.get(number=signed_contract.number, revision=2)
    assert response.url == reverse("contracts:detail", args=[draft.pk])
    assert draft.status == ContractStatus.DRAFT
    assert draft.commitments.count() == 1
    assert "Edit terms and lines" in browser.get(response.url).text


def test_legal_signs_an_approved_contract(carol, approved_contract):
    browser = client_as(carol)
    assert (
        "Mark signed" in browser.get(reverse("contracts:detail", args=[approved_contract.pk])).text
    )
    response = browser.post(reverse("contracts:sign", args=[approved_contract.pk]), follow=True)
    assert _messages(response) == ["The contract is signed."]
    approved_contract.refresh_from_db()
    assert approved_contract.status == ContractStatus.SIGNED
    assert approved_contract.signed_by == carol


def test_terminating_asks_for_a_reason(carol, signed_contract):
    browser = client_as(carol)
    url = reverse("contracts:terminate", args=[signed_contract.pk])
    response = browser.post(url, {"reason": "  "}, follow=True)
    assert _messages(response) == ["Nothing changed: Say why the contract is terminated."]
    signed_contract.refresh_from_db()
    assert signed_contract.status == ContractStatus.SIGNED

    browser.post(url, {"reason": "Customer went bankrupt."})
    signed_contract.refresh_from_db()
    assert signed_contract.status == ContractStatus.TERMINATED
    assert signed_contract.termination_reason == "Customer went bankrupt."
    page = browser.get(reverse("contracts:detail", args=[signed_contract.pk])).text
    assert "Customer went bankrupt." in page
    assert "Terminate…" not in page


def test_a_refused_transition_is_a_clear_message_and_changes_nothing(alice, aligned_line):
    contract = aligned_line.contract
    browser = client_as(alice)
    browser.post(reverse("contracts:submit", args=[contract.pk]), follow=True)
    history_before = contract.history.count()

    response = browser.post(reverse("contracts:submit", args=[contract.pk]), follow=True)
    assert _messages(response) == [
        f"Nothing changed: Cannot submit contract {contract}: it is in review."
    ]
    assert contract.history.count() == history_before

    response = browser.get(reverse("contracts:edit", args=[contract.pk]), follow=True)
    assert response.redirect_chain == [(reverse("contracts:detail", args=[contract.pk]), 302)]
    assert "cannot be edited by you now (it is in review)" in _messages(response)[0]


def test_removing_a_line_on_the_form_deletes_it_with_history(alice, aligned_line):
    contract = aligned_line.contract
    browser = client_as(alice)
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        monthly_fee=contract.monthly_fee,
        start_date=contract.start_date.isoformat(),
        existing=[
            {
                "id": aligned_line.pk,
                "indicator": aligned_line.indicator_id,
                "target": aligned_line.target,
                "credit_schedule": aligned_line.credit_schedule_id,
                "contract": contract.pk,
                "DELETE": "on",
            }
        ],
    )
    response = browser.post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 302
    assert not Commitment.objects.filter(pk=aligned_line.pk).exists()
    removal = Commitment.history.filter(id=aligned_line.pk).latest("history_date")
    assert (removal.history_type, removal.history_user) == ("-", alice)
    page = browser.get(reverse("contracts:detail", args=[contract.pk])).text
    assert "(removed)" in page
    assert "Line removed." in page
