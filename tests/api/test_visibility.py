"""Who sees which contracts: a contract out of sight, and all that hangs off it, is a 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.contracts import services

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiver(dave, alice, contract, aligned_line):
    return services.waiver_grant(
        commitment=aligned_line,
        user=dave,
        justification="Strategic customer.",
        expires_on=timezone.localdate() + timedelta(days=30),
    )


def test_other_sales_and_no_role_get_404_for_alices_contract(mallory, sam, waiver):
    line = waiver.commitment
    contract = line.contract
    paths = [
        f"/api/v1/contracts/{contract.pk}/",
        f"/api/v1/contracts/{contract.pk}/history/",
        f"/api/v1/commitments/{line.pk}/",
        f"/api/v1/commitments/{line.pk}/alignment/",
        f"/api/v1/commitments/{line.pk}/signoffs/",
        f"/api/v1/waivers/{waiver.pk}/",
    ]
    for user in (mallory, sam):
        client = client_for(user)
        for path in paths:
            assert client.get(path).status_code == 404, (user, path)
        assert client.post(f"/api/v1/contracts/{contract.pk}/submit/").status_code == 404
        assert client.get("/api/v1/contracts/").json()["results"] == []
        assert client.get("/api/v1/commitments/").json()["results"] == []
        assert client.get("/api/v1/waivers/").json()["results"] == []


def test_owner_legal_engineering_and_leadership_see_the_contract(alice, bob, carol, dave, waiver):
    contract = waiver.commitment.contract
    for user in (alice, bob, carol, dave):
        response = client_for(user).get("/api/v1/contracts/")
        assert [c["id"] for c in response.json()["results"]] == [contract.pk], user


def test_unauthenticated_requests_are_401(contract):
    anonymous = client_for()
    assert anonymous.get("/api/v1/contracts/").status_code == 401
    assert anonymous.get(f"/api/v1/contracts/{contract.pk}/").status_code == 401
    assert anonymous.post("/api/v1/contracts/", {}).status_code == 401
    assert anonymous.get("/api/v1/alignment/?indicator=1&target=99").status_code == 401


def test_engineering_sees_but_cannot_edit_or_submit_a_contract(bob, contract, aligned_line):
    engineer = client_for(bob)

    edited = engineer.patch(f"/api/v1/contracts/{contract.pk}/", {"title": "Mine now"})
    submitted = engineer.post(f"/api/v1/contracts/{contract.pk}/submit/")

    assert edited.status_code == 403
    assert edited.json()["detail"] == "You may not edit this contract."
    assert submitted.status_code == 403
    contract.refresh_from_db()
    assert (contract.title, contract.status) == ("", "draft")


def test_only_sales_may_create_contracts(bob, mallory, acme):
    payload = {
        "customer": acme.pk,
        "number": "X-1",
        "monthly_fee": "1",
        "start_date": "2026-01-01",
    }
    for user in (bob, mallory):
        assert client_for(user).post("/api/v1/contracts/", payload).status_code == 403


def test_waivers_are_granted_by_leadership_only(alice, bob, dave, contract, aligned_line):
    payload = {
        "commitment": aligned_line.pk,
        "justification": "Key account.",
        "expires_on": str(timezone.localdate() + timedelta(days=10)),
    }
    for user in (alice, bob):
        assert client_for(user).post("/api/v1/waivers/", payload).status_code == 403
    assert not aligned_line.waivers.exists()

    past = client_for(dave).post(
        "/api/v1/waivers/", {**payload, "expires_on": str(timezone.localdate() - timedelta(1))}
    )
    assert past.status_code == 400
    assert past.json() == {"expires_on": ["A waiver cannot expire in the past."]}

    granted = client_for(dave).post("/api/v1/waivers/", payload)
    assert granted.status_code == 201
    assert (granted.json()["granted_by"], granted.json()["commitment"]) == (
        dave.pk,
        aligned_line.pk,
    )
    history = client_for(dave).get(f"/api/v1/waivers/{granted.json()['id']}/history/").json()
    assert [(e["user"], e["change_type"], e["reason"]) for e in history] == [
        ("dave", "created", "Waiver granted.")
    ]
