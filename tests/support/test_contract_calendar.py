"""A contract names its customer's support calendar: API, admin and the clocks of its tickets."""

from tests.admin.helpers import client_for
from tests.conftest import api_as


def test_sales_sets_the_support_calendar_of_a_draft_contract(alice, acme, office):
    client = api_as(alice)
    body = {
        "customer": acme.pk,
        "number": "ACME-CAL",
        "monthly_fee": "1000.00",
        "currency": "EUR",
        "start_date": "2026-01-01",
        "support_calendar": office.pk,
    }
    response = client.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["support_calendar"] == office.pk
    contract_id = response.json()["id"]
    cleared = client.patch(
        f"/api/v1/contracts/{contract_id}/", {"support_calendar": None}, format="json"
    )
    assert cleared.status_code == 200 and cleared.json()["support_calendar"] is None


def test_the_contract_admin_shows_the_support_calendar(carol, contract, office):
    contract.support_calendar = office
    contract.save()
    carol.is_staff = True
    carol.save()
    page = client_for(carol).get(f"/admin/contracts/contract/{contract.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Support calendar" in text and "London office" in text
