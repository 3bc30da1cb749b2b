"""Review packets repeat contract terms: readers see only packets of contracts they may see."""

from datetime import date

import pytest

from apps.contracts.choices import ContractStatus
from apps.reviews.choices import PacketScope
from tests.conftest import api_as
from tests.factories import ContractFactory, UserFactory

from .conftest import open_cycle, packet_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def packets(service_packet, customer_packet):
    """A generated cycle: alice's signed Acme contract on the Payments API."""
    return service_packet, customer_packet


def _ids(user) -> set[int]:
    return {row["id"] for row in api_as(user).get("/api/v1/review-packets/").json()["results"]}


def test_leadership_reads_every_packet(dave, packets):
    assert _ids(dave) == {packet.pk for packet in packets}


def test_sales_reads_its_own_customers_packet_only(alice, packets):
    service, customer = packets
    assert _ids(alice) == {customer.pk}
    assert api_as(alice).get(f"/api/v1/review-packets/{service.pk}/").status_code == 404


def test_another_sales_user_reads_nothing_of_it(client, packets):
    zoe = UserFactory(username="zoe", roles=["Sales"])
    _, customer = packets
    assert _ids(zoe) == set()
    assert api_as(zoe).get(f"/api/v1/review-packets/{customer.pk}/").status_code == 404
    client.force_login(zoe)
    assert client.get(f"/reviews/packets/{customer.pk}/").status_code == 404
    assert client.get(f"/reviews/packets/{customer.pk}/csv/").status_code == 404
    assert "Acme Corp" not in client.get("/reviews/cycles/").content.decode()


# A second salesperson with a contract of their own for the same customer: the packet repeats
# alice's contract (number, fee, lines, credits), so it is refused to them on every route.
PACKET_ROUTES = [
    ("api", "get", "/api/v1/review-packets/{id}/"),
    ("api", "get", "/api/v1/review-packets/{id}/csv/"),
    ("api", "get", "/api/v1/review-packets/{id}/pdf/"),
    ("api", "get", "/api/v1/review-packets/{id}/signoffs/"),
    ("api", "post", "/api/v1/review-packets/{id}/signoffs/"),
    ("web", "get", "/reviews/packets/{id}/"),
    ("web", "get", "/reviews/packets/{id}/csv/"),
    ("web", "get", "/reviews/packets/{id}/pdf/"),
    ("web", "post", "/reviews/packets/{id}/signoff/"),
]


@pytest.fixture
def zoe(db):
    return UserFactory(username="zoe", roles=["Sales"])


def _client(kind, user, django_client):
    if kind == "api":
        return api_as(user)
    django_client.force_login(user)
    return django_client


@pytest.mark.parametrize(("kind", "method", "route"), PACKET_ROUTES)
def test_a_contract_for_the_same_customer_does_not_open_its_packet(
    zoe, acme, customer_packet, client, kind, method, route
):
    ContractFactory(customer=acme, owner=zoe, number="ACME-ZOE")  # a draft of her own
    url = route.format(id=customer_packet.pk)
    data = {"role": "sales", "comment": ""}

    call = getattr(_client(kind, zoe, client), method)
    response = call(url, data) if method == "post" else call(url)

    assert response.status_code == 404
    assert b"ACME-001" not in response.content
    assert not customer_packet.signoffs.exists()


def test_the_lists_show_only_packets_the_reader_may_open(zoe, alice, acme, customer_packet, client):
    ContractFactory(customer=acme, owner=zoe, number="ACME-ZOE")

    assert _ids(zoe) == set()
    assert (
        api_as(zoe)
        .get(f"/api/v1/review-packets/?cycle={customer_packet.cycle_id}")
        .json()["results"]
        == []
    )
    client.force_login(zoe)
    page = client.get("/reviews/cycles/").content.decode()
    assert "Acme Corp" not in page
    assert f"/reviews/packets/{customer_packet.pk}/" not in page
    # Alice's contracts are all the packet holds: she still reads it everywhere.
    assert _ids(alice) == {customer_packet.pk}
    assert api_as(alice).get(f"/api/v1/review-packets/{customer_packet.pk}/csv/").status_code == 200
    client.force_login(alice)
    assert (
        f"/reviews/packets/{customer_packet.pk}/" in client.get("/reviews/cycles/").content.decode()
    )
    assert client.get(f"/reviews/packets/{customer_packet.pk}/").status_code == 200


def test_a_packet_holding_two_owners_contracts_is_for_roles_that_see_every_contract(
    zoe, alice, carol, dave, acme, reviewed, django_capture_on_commit_callbacks
):
    ContractFactory(
        customer=acme,
        owner=zoe,
        number="ACME-ZOE",
        status=ContractStatus.SIGNED,
        start_date=date(2025, 3, 1),
    )
    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)
    packet = packet_of(cycle, PacketScope.CUSTOMER, acme.pk)
    numbers = {row["number"] for row in packet.data["contracts"]}
    assert numbers == {"ACME-001", "ACME-ZOE"}

    for reader in (alice, zoe):
        assert _ids(reader) == set()
        assert api_as(reader).get(f"/api/v1/review-packets/{packet.pk}/").status_code == 404
    for reader in (carol, dave):
        assert api_as(reader).get(f"/api/v1/review-packets/{packet.pk}/").status_code == 200
