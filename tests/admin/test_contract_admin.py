"""Legal's actions on contracts in the admin: approve, sign, terminate, always via services."""

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.contracts.choices import ContractStatus, Decision

from .helpers import client_for, messages_of, run_action

pytestmark = pytest.mark.django_db

MODEL = "contracts_contract"


@pytest.fixture
def approved_by_engineering(bob, contract, in_review_line):
    services.commitment_signoff(commitment=in_review_line, user=bob, decision=Decision.APPROVE)
    return contract


def test_carol_approves_then_signs_a_contract_from_the_list(carol, approved_by_engineering):
    contract = approved_by_engineering
    response = run_action(carol, MODEL, "legal_approve", [contract], apply="yes", comment="OK")
    assert "1 legally approved." in messages_of(response)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED

    response = run_action(carol, MODEL, "sign", [contract])
    assert "1 signed." in messages_of(response)
    contract.refresh_from_db()
    assert (contract.status, contract.signed_by) == (ContractStatus.SIGNED, carol)
    assert contract.history.first().history_user == carol


def test_signing_a_contract_still_in_review_is_refused_with_the_reason(
    carol, contract, in_review_line
):
    response = run_action(carol, MODEL, "sign", [contract])

    shown = messages_of(response)
    assert "0 signed." in shown
    assert any("it is in review" in m for m in shown)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW


def test_terminate_needs_a_reason(carol, contract, in_review_line):
    response = run_action(carol, MODEL, "terminate", [contract], apply="yes", comment="")
    assert "Say why the contract is terminated." in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW

    response = run_action(
        carol, MODEL, "terminate", [contract], apply="yes", comment="Customer withdrew."
    )
    assert "1 terminated." in messages_of(response)
    contract.refresh_from_db()
    assert contract.termination_reason == "Customer withdrew."


def test_engineering_has_no_legal_actions_and_contracts_are_read_only(bob, contract):
    client = client_for(bob)
    response = client.get(reverse(f"admin:{MODEL}_changelist"))
    assert response.context["action_form"] is None  # no legal action is offered

    assert client.post(reverse(f"admin:{MODEL}_change", args=[contract.pk]), {}).status_code == 403


def test_contract_history_cannot_be_reverted_from_the_admin(carol, contract):
    record = contract.history.first()
    url = reverse(f"admin:{MODEL}_simple_history", args=[contract.pk, record.history_id])

    assert client_for(carol).post(url, {}).status_code == 403
