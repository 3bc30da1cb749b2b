"""Engineering's approval queue: approve and reject lines from the commitment changelist."""

import pytest
from django.urls import reverse

from apps.contracts.choices import ContractStatus, Decision
from apps.contracts.models import SignOff
from apps.slos.alignment import Verdict

from .helpers import client_for, messages_of, run_action

pytestmark = pytest.mark.django_db

MODEL = "contracts_commitment"


def test_bob_approves_an_aligned_line_with_the_action(bob, in_review_line):
    response = run_action(
        bob, MODEL, "approve_lines", [in_review_line], apply="yes", comment="Fits the SLO."
    )

    assert "1 approved." in messages_of(response)
    signoff = SignOff.objects.get(commitment=in_review_line)
    assert (signoff.decision, signoff.decided_by, signoff.verdict) == (
        Decision.APPROVE,
        bob,
        Verdict.ALIGNED,
    )
    assert signoff.comment == "Fits the SLO."
    assert signoff.history.get().history_user == bob


def test_approve_first_shows_the_intermediate_page_and_writes_nothing(bob, in_review_line):
    response = run_action(bob, MODEL, "approve_lines", [in_review_line])

    assert response.status_code == 200
    assert response.templates[0].name == "admin/action_with_comment.html"
    assert "ALIGNED" in response.content.decode()
    assert not SignOff.objects.exists()


def test_bobs_approval_of_a_mismatch_line_is_refused_with_the_reason(bob, mismatch_line):
    response = run_action(bob, MODEL, "approve_lines", [mismatch_line], apply="yes", comment="")

    shown = messages_of(response)
    assert "0 approved." in shown
    assert any("MISMATCH" in m and "needs an unexpired waiver" in m for m in shown)
    assert response.status_code == 200
    assert not SignOff.objects.exists()


def test_other_team_does_not_see_the_line_awaiting_and_is_refused(bob, erin, in_review_line):
    url = reverse(f"admin:{MODEL}_changelist") + "?awaiting=me"
    assert list(client_for(bob).get(url).context["cl"].result_list) == [in_review_line]
    assert list(client_for(erin).get(url).context["cl"].result_list) == []

    response = run_action(erin, MODEL, "approve_lines", [in_review_line], apply="yes")

    assert any("team that owns the service" in m for m in messages_of(response))
    assert not SignOff.objects.exists()


def test_reject_without_a_comment_is_refused_and_changes_nothing(bob, contract, in_review_line):
    response = run_action(bob, MODEL, "reject_lines", [in_review_line], apply="yes", comment=" ")

    assert response.status_code == 200
    assert "Say why the lines are rejected" in response.content.decode()
    assert not SignOff.objects.exists()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW


def test_reject_with_a_comment_requests_changes(bob, contract, in_review_line):
    response = run_action(
        bob, MODEL, "reject_lines", [in_review_line], apply="yes", comment="Latency not covered."
    )

    assert "1 rejected." in messages_of(response)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CHANGES_REQUESTED
    assert contract.history.first().history_user == bob
    assert SignOff.objects.get().comment == "Latency not covered."


def test_legal_sees_the_lines_but_is_offered_no_signoff_action(carol, in_review_line):
    response = client_for(carol).get(reverse(f"admin:{MODEL}_changelist"))
    assert list(response.context["cl"].result_list) == [in_review_line]
    assert response.context["action_form"] is None

    response = run_action(carol, MODEL, "approve_lines", [in_review_line], apply="yes")
    assert response.status_code == 200
    assert not SignOff.objects.exists()


def test_change_page_shows_reasons_and_safe_maximum(bob, mismatch_line):
    url = reverse(f"admin:{MODEL}_change", args=[mismatch_line.pk])
    page = client_for(bob).get(url).content.decode()

    assert "stricter than the SLO target 99.9 %" in page
    assert "99.8 %" in page  # the most that can safely be promised on a 99.9 % SLO
    assert "None yet." in page
