"""Review packets repeat contract terms: readers see only packets of contracts they may see."""

import pytest

from tests.conftest import api_as
from tests.factories import UserFactory

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
