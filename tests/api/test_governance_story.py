"""The governance story end to end through the API, as the people involved would live it."""

from decimal import Decimal

import pytest

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Contract, SignOff

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_tighter_than_slo_line_is_caught_fixed_approved_and_signed(
    alice, bob, carol, erin, acme, availability, slo, schedule
):
    sales, engineer, legal = client_for(alice), client_for(bob), client_for(carol)

    created = sales.post(
        "/api/v1/contracts/",
        {
            "customer": acme.pk,
            "number": "ACME-100",
            "monthly_fee": "5000.00",
            "currency": "eur",
            "start_date": "2026-01-01",
            "end_date": "2027-12-31",
        },
    )
    assert created.status_code == 201, created.json()
    contract = created.json()
    assert (contract["status"], contract["revision"], contract["owner"]) == ("draft", 1, alice.pk)
    assert contract["currency"] == "EUR"

    line = sales.post(
        "/api/v1/commitments/",
        {
            "contract": contract["id"],
            "indicator": availability.pk,
            "target": "99.95",
            "period": "month",
            "credit_schedule": schedule.pk,
        },
    )
    assert line.status_code == 201, line.json()
    line = line.json()
    assert line["alignment"]["verdict"] == "MISMATCH"
    assert line["alignment"]["slo"] == slo.pk
    assert Decimal(line["alignment"]["safe_maximum"]) == Decimal("99.8")
    assert "stricter than the SLO target 99.9" in line["alignment"]["reasons"][0]

    contract_url = f"/api/v1/contracts/{contract['id']}/"
    signoffs_url = f"/api/v1/commitments/{line['id']}/signoffs/"
    assert sales.post(contract_url + "submit/").json()["status"] == "in_review"

    refused = engineer.post(signoffs_url, {"decision": "approve"})
    assert refused.status_code == 409
    assert "waiver" in refused.json()["detail"]
    assert client_for(erin).post(signoffs_url, {"decision": "approve"}).status_code == 403
    own = sales.post(signoffs_url, {"decision": "approve"})
    assert own.status_code == 403
    assert "own submission" in own.json()["detail"]
    assert not SignOff.objects.exists()

    rejected = engineer.post(signoffs_url, {"decision": "reject", "comment": "Above our SLO."})
    assert rejected.status_code == 201
    assert (rejected.json()["decision"], rejected.json()["decided_by"]) == ("reject", bob.pk)
    assert sales.get(contract_url).json()["status"] == "changes_requested"

    lowered = sales.patch(f"/api/v1/commitments/{line['id']}/", {"target": "99.8"})
    assert lowered.status_code == 200, lowered.json()
    assert lowered.json()["alignment"]["verdict"] == "ALIGNED"
    assert sales.post(contract_url + "submit/").json()["status"] == "in_review"

    approved = engineer.post(signoffs_url, {"decision": "approve"})
    assert approved.status_code == 201
    assert approved.json()["verdict"] == "ALIGNED"
    assert legal.post(contract_url + "legal-approve/").json()["status"] == "approved"
    signed = legal.post(contract_url + "sign/")
    assert signed.status_code == 200
    assert (signed.json()["status"], signed.json()["signed_by"]) == ("signed", carol.pk)

    history = sales.get(contract_url + "history/").json()
    status_changes = [
        (entry["user"], entry["changes"]["status"][1])
        for entry in reversed(history)
        if "status" in entry["changes"]
    ]
    assert status_changes == [
        ("alice", "draft"),
        ("alice", "in_review"),
        ("bob", "changes_requested"),
        ("alice", "in_review"),
        ("carol", "approved"),
        ("carol", "signed"),
    ]
    line_history = sales.get(f"/api/v1/commitments/{line['id']}/history/").json()
    edit = line_history[0]
    assert (edit["user"], edit["change_type"]) == ("alice", "changed")
    assert [Decimal(v) for v in edit["changes"]["target"]] == [Decimal("99.95"), Decimal("99.8")]

    decisions = sales.get(signoffs_url).json()
    assert [(d["decision"], d["is_current"]) for d in decisions] == [
        ("approve", True),
        ("reject", False),
    ]


def test_amend_returns_the_new_draft_revision(alice, bob, carol, contract, aligned_line):
    sales = client_for(alice)
    sales.post(f"/api/v1/contracts/{contract.pk}/submit/")
    client_for(bob).post(
        f"/api/v1/commitments/{aligned_line.pk}/signoffs/", {"decision": "approve"}
    )
    legal = client_for(carol)
    legal.post(f"/api/v1/contracts/{contract.pk}/legal-approve/", {"comment": "Terms fine."})
    legal.post(f"/api/v1/contracts/{contract.pk}/sign/")

    response = sales.post(f"/api/v1/contracts/{contract.pk}/amend/")

    assert response.status_code == 201
    draft = response.json()
    assert (draft["number"], draft["revision"], draft["status"]) == ("ACME-001", 2, "draft")
    assert draft["previous_revision"] == contract.pk
    assert Commitment.objects.filter(contract_id=draft["id"]).count() == 1
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.SIGNED


def test_terminate_needs_a_reason_and_records_it(carol, contract):
    legal = client_for(carol)
    url = f"/api/v1/contracts/{contract.pk}/terminate/"

    missing = legal.post(url, {})
    assert missing.status_code == 400
    assert "reason" in missing.json()
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT

    done = legal.post(url, {"reason": "Customer left."})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["termination_reason"]) == (
        "terminated",
        "Customer left.",
    )
    again = legal.post(url, {"reason": "Twice."})
    assert again.status_code == 409
    assert "already terminated" in again.json()["detail"]
