"""Who may rename a customer: legal, or the salesperson whose customer it is alone.

A customer's name is the party its contracts are signed with. Sales adds customers and keeps
those that are theirs alone (every contract of it is theirs; a new one has none); legal keeps
every customer's name. A second salesperson gains no say by drafting a contract of their own.
"""

import pytest
from django.urls import reverse

from apps.catalog.models import Customer
from apps.core.roles import SALES
from tests.conftest import api_as
from tests.factories import ContractFactory, CreditScheduleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoe(db):
    """A second salesperson, owning none of Acme's contracts."""
    return UserFactory(username="zoe", roles=[SALES])


def _rename(user, customer, name="Renamed Corp"):
    return api_as(user).patch(f"/api/v1/customers/{customer.pk}/", {"name": name}, format="json")


def _name(customer) -> str:
    return Customer.objects.get(pk=customer.pk).name


def test_the_salesperson_owning_every_contract_of_a_customer_renames_it(alice, contract, acme):
    response = _rename(alice, acme, "Acme Corporation")
    assert response.status_code == 200, response.json()
    assert _name(acme) == "Acme Corporation"
    assert acme.history.latest().history_user == alice


def test_another_salesperson_cannot_rename_it_even_with_a_contract_of_their_own(
    zoe, contract, acme
):
    assert _rename(zoe, acme).status_code == 403
    ContractFactory(customer=acme, owner=zoe, number="ACME-ZOE")

    response = _rename(zoe, acme)

    assert response.status_code == 403
    assert "Only legal" in response.json()["detail"]
    assert _name(acme) == "Acme Corp"
    # Shared now, the customer is no longer the first owner's alone either.
    assert _rename(contract.owner, acme).status_code == 403


def test_a_salesperson_renames_a_new_customer_they_just_added(zoe):
    created = api_as(zoe).post("/api/v1/customers/", {"name": "Initech"}, format="json")
    assert created.status_code == 201

    response = api_as(zoe).patch(
        f"/api/v1/customers/{created.json()['id']}/", {"name": "Initech Ltd"}, format="json"
    )

    assert response.status_code == 200
    assert Customer.objects.filter(name="Initech Ltd").exists()


def test_legal_renames_any_customer(carol, zoe, contract, acme):
    ContractFactory(customer=acme, owner=zoe, number="ACME-ZOE")
    assert _rename(carol, acme, "ACME Corp.").status_code == 200
    assert _name(acme) == "ACME Corp."


def test_engineering_cannot_rename_a_customer(bob, acme):
    assert _rename(bob, acme).status_code == 403
    assert _name(acme) == "Acme Corp"


def _change_url(customer) -> str:
    return reverse("admin:catalog_customer_change", args=[customer.pk])


def test_the_admin_lets_legal_rename_a_customer(client, carol, contract, acme):
    client.force_login(carol)
    response = client.post(_change_url(acme), {"name": "Acme Holdings"})
    assert response.status_code == 302
    assert _name(acme) == "Acme Holdings"


def test_the_admin_shows_someone_elses_customer_read_only_to_sales(client, zoe, contract, acme):
    zoe.is_staff = True
    zoe.save()
    client.force_login(zoe)

    page = client.get(_change_url(acme))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # viewed, not editable

    assert client.post(_change_url(acme), {"name": "Zoe's Corp"}).status_code == 403
    assert _name(acme) == "Acme Corp"


def test_the_admin_refuses_to_rename_a_locked_schedule(client, carol, alice, aligned_line):
    from apps.contracts import services

    services.contract_submit(contract=aligned_line.contract, user=alice)
    schedule = aligned_line.credit_schedule
    client.force_login(carol)
    url = reverse("admin:contracts_creditschedule_change", args=[schedule.pk])

    response = client.post(url, {"name": "Renamed", "cap_percent": ""})

    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.name == "Standard cloud credits"
    assert CreditScheduleFactory._meta.model.objects.filter(name="Renamed").count() == 0
