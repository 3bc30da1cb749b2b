"""Bad input gets a 400 naming the field (or 409 for a forbidden transition) and changes nothing."""

from decimal import Decimal

import pytest

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Contract

from .conftest import client_for

pytestmark = pytest.mark.django_db

CONTRACT = {
    "number": "ACME-200",
    "monthly_fee": "1000.00",
    "currency": "EUR",
    "start_date": "2026-03-01",
}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("0", "greater than 0 and at most 100"),
        ("-5", "greater than 0 and at most 100"),
        ("101", "less than or equal to 100"),
        ("100.0001", "less than or equal to 100"),
        ("abc", "A valid number is required"),
        ("99.12345", "no more than 4 decimal places"),
    ],
)
def test_line_target_outside_0_to_100_is_refused_and_nothing_saved(
    alice, contract, availability, target, message
):
    response = client_for(alice).post(
        "/api/v1/commitments/",
        {"contract": contract.pk, "indicator": availability.pk, "target": target},
    )

    assert response.status_code == 400
    assert message in " ".join(response.json()["target"])
    assert not Commitment.objects.exists()


def test_editing_a_line_with_a_bad_target_keeps_the_old_one(alice, aligned_line):
    response = client_for(alice).patch(f"/api/v1/commitments/{aligned_line.pk}/", {"target": "0"})

    assert response.status_code == 400
    assert "target" in response.json()
    aligned_line.refresh_from_db()
    assert (aligned_line.target, aligned_line.version) == (Decimal("99.8"), 1)


def test_unknown_indicator_is_named(alice, contract):
    response = client_for(alice).post(
        "/api/v1/commitments/", {"contract": contract.pk, "indicator": 999999, "target": "99"}
    )

    assert response.status_code == 400
    assert "does not exist" in response.json()["indicator"][0]
    assert not Commitment.objects.exists()


def test_negative_fee_is_refused(alice, acme):
    response = client_for(alice).post(
        "/api/v1/contracts/", {**CONTRACT, "customer": acme.pk, "monthly_fee": "-1.00"}
    )

    assert response.status_code == 400
    assert "greater than or equal to 0" in response.json()["monthly_fee"][0]
    assert not Contract.objects.exists()


def test_end_before_start_is_refused_on_create_and_on_edit(alice, acme, contract):
    sales = client_for(alice)
    created = sales.post(
        "/api/v1/contracts/",
        {**CONTRACT, "customer": acme.pk, "end_date": "2026-02-28"},
    )
    assert created.status_code == 400
    assert created.json() == {"end_date": ["The end date must not be before the start date."]}
    assert Contract.objects.count() == 1

    edited = sales.patch(f"/api/v1/contracts/{contract.pk}/", {"end_date": "1999-01-01"})
    assert edited.status_code == 400
    assert "end_date" in edited.json()
    contract.refresh_from_db()
    assert contract.end_date is None


def test_second_open_revision_of_a_number_is_named_on_number(alice, acme, contract):
    response = client_for(alice).post(
        "/api/v1/contracts/", {**CONTRACT, "customer": acme.pk, "number": contract.number}
    )

    assert response.status_code == 400
    assert "This contract already has a revision in progress." in response.json()["number"]
    assert Contract.objects.count() == 1


def test_unknown_currency_and_timezone_are_named(alice, contract):
    response = client_for(alice).patch(
        f"/api/v1/contracts/{contract.pk}/", {"currency": "E1", "timezone": "Mars/Olympus"}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"currency", "timezone"}
    contract.refresh_from_db()
    assert (contract.currency, contract.timezone) == ("EUR", "UTC")


def test_transition_the_state_forbids_is_409_with_detail_and_changes_nothing(
    alice, carol, contract, aligned_line
):
    signing = client_for(carol).post(f"/api/v1/contracts/{contract.pk}/sign/")
    assert signing.status_code == 409
    assert signing.json()["detail"] == "Cannot sign contract ACME-001 r1: it is draft."

    approving = client_for(carol).post(f"/api/v1/contracts/{contract.pk}/legal-approve/")
    assert approving.status_code == 409
    assert "it is draft" in approving.json()["detail"]

    contract.refresh_from_db()
    assert (contract.status, contract.signed_at, contract.legal_approved_at) == (
        ContractStatus.DRAFT,
        None,
        None,
    )


def test_submitting_without_lines_is_409(alice, contract):
    response = client_for(alice).post(f"/api/v1/contracts/{contract.pk}/submit/")

    assert response.status_code == 409
    assert "at least one commitment" in response.json()["detail"]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_lines_of_a_contract_under_review_cannot_be_edited(alice, contract, aligned_line):
    sales = client_for(alice)
    sales.post(f"/api/v1/contracts/{contract.pk}/submit/")

    edited = sales.patch(f"/api/v1/commitments/{aligned_line.pk}/", {"target": "99.5"})
    deleted = sales.delete(f"/api/v1/commitments/{aligned_line.pk}/")

    assert (edited.status_code, deleted.status_code) == (409, 409)
    assert "in review" in edited.json()["detail"]
    aligned_line.refresh_from_db()
    assert aligned_line.target == Decimal("99.8")


def test_line_on_someone_elses_contract_is_named_on_contract(sam, bob, contract, availability):
    for user in (sam, bob):
        response = client_for(user).post(
            "/api/v1/commitments/",
            {"contract": contract.pk, "indicator": availability.pk, "target": "99"},
        )
        assert response.status_code == 400
        assert "does not exist" in response.json()["contract"][0]
    assert not Commitment.objects.exists()


def test_a_line_cannot_move_to_another_contract(alice, acme, aligned_line):
    other = Contract.objects.create(
        customer=acme, owner=alice, number="ACME-002", monthly_fee=1, start_date="2026-01-01"
    )
    response = client_for(alice).patch(
        f"/api/v1/commitments/{aligned_line.pk}/", {"contract": other.pk}
    )

    assert response.status_code == 400
    assert "another contract" in response.json()["contract"][0]
    aligned_line.refresh_from_db()
    assert aligned_line.contract_id != other.pk


def test_rejection_without_comment_is_named_and_records_nothing(alice, bob, contract, aligned_line):
    client_for(alice).post(f"/api/v1/contracts/{contract.pk}/submit/")

    response = client_for(bob).post(
        f"/api/v1/commitments/{aligned_line.pk}/signoffs/", {"decision": "reject"}
    )

    assert response.status_code == 400
    assert response.json() == {"comment": ["Say why the line is rejected."]}
    assert not aligned_line.signoffs.exists()


def test_decision_must_be_approve_or_reject(alice, bob, contract, aligned_line):
    client_for(alice).post(f"/api/v1/contracts/{contract.pk}/submit/")

    response = client_for(bob).post(
        f"/api/v1/commitments/{aligned_line.pk}/signoffs/", {"decision": "maybe"}
    )

    assert response.status_code == 400
    assert "decision" in response.json()
    assert not aligned_line.signoffs.exists()
