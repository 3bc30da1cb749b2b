"""Approve or reject one line on its own admin page, with a comment: the service of the bulk
actions, the same rule of who may, and nothing written when refused."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.contracts.choices import ContractStatus, Decision
from apps.contracts.models import SignOff

from .helpers import client_for, messages_of

pytestmark = pytest.mark.django_db


def _page(user, line):
    return client_for(user).get(reverse("admin:contracts_commitment_change", args=[line.pk]))


def _decide(user, line, **data):
    url = reverse("admin:contracts_commitment_decide", args=[line.pk])
    return client_for(user).post(url, data, follow=True)


def test_the_owning_teams_engineer_sees_approve_and_reject(bob, in_review_line):
    page = _page(bob, in_review_line).content.decode()
    assert 'id="line-decision"' in page
    assert f'action="/admin/contracts/commitment/{in_review_line.pk}/decide/"' in page
    assert 'value="approve"' in page and 'value="reject"' in page


@pytest.mark.parametrize("who", ["erin", "carol", "dave"])
def test_no_buttons_for_other_teams_legal_or_leadership(request, who, in_review_line):
    response = _page(request.getfixturevalue(who), in_review_line)
    assert response.status_code == 200
    assert 'id="line-decision"' not in response.content.decode()


def test_approving_on_the_page_writes_the_sign_off_and_its_history(bob, in_review_line):
    response = _decide(bob, in_review_line, decision="approve", comment="Fits the SLO.")
    assert response.redirect_chain[-1][0] == reverse(
        "admin:contracts_commitment_change", args=[in_review_line.pk]
    )
    assert "“Availability ≥ 99.8 %” approved." in messages_of(response)
    signoff = SignOff.objects.get(commitment=in_review_line)
    assert (signoff.decision, signoff.decided_by, signoff.comment) == (
        Decision.APPROVE,
        bob,
        "Fits the SLO.",
    )
    assert signoff.history.get().history_user == bob
    # Decided: the page says so and offers no second decision.
    page = _page(bob, in_review_line).content.decode()
    assert 'id="line-decision"' not in page
    assert "Approve by bob" in page


def test_rejecting_on_the_page_records_the_comment(bob, in_review_line):
    _decide(bob, in_review_line, decision="reject", comment="Too tight for the SLO.")
    signoff = SignOff.objects.get(commitment=in_review_line)
    assert (signoff.decision, signoff.comment) == (Decision.REJECT, "Too tight for the SLO.")
    assert signoff.history.get().history_user == bob
    contract = in_review_line.contract
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CHANGES_REQUESTED
    assert contract.history.first().history_user == bob


def test_rejecting_without_a_comment_names_the_field_and_changes_nothing(bob, in_review_line):
    response = _decide(bob, in_review_line, decision="reject", comment="")
    assert messages_of(response) == ["Nothing changed: Comment: Say why the line is rejected."]
    assert not SignOff.objects.exists()
    in_review_line.contract.refresh_from_db()
    assert in_review_line.contract.status == ContractStatus.IN_REVIEW


@pytest.mark.parametrize("who", ["erin", "carol", "dave"])
def test_a_post_from_anyone_else_is_403_and_writes_nothing(request, who, in_review_line):
    url = reverse("admin:contracts_commitment_decide", args=[in_review_line.pk])
    user = request.getfixturevalue(who)
    response = client_for(user).post(url, {"decision": "approve", "comment": "ok"})
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_the_decision_is_csrf_protected_and_post_only(bob, in_review_line):
    url = reverse("admin:contracts_commitment_decide", args=[in_review_line.pk])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    assert browser.post(url, {"decision": "approve"}).status_code == 403
    assert client_for(bob).get(url).status_code == 405
    assert not SignOff.objects.exists()
