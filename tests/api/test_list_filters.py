"""List filters refuse values they cannot mean (400 naming the filter) instead of ignoring them."""

import pytest

from .conftest import client_for
from .test_cheap_crashes import root  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/api/v1/slos/", "status=AAA", "Select a valid choice. AAA is not one of the available"),
        ("/api/v1/slos/", "indicator=abc", "Enter a whole number."),
        ("/api/v1/services/", "team=abc", "Enter a whole number."),
        ("/api/v1/indicators/", "service=abc", "Enter a whole number."),
        ("/api/v1/review-packets/", "cycle=abc", "Enter a whole number."),
        ("/api/v1/contracts/", "status=AAA", "Select a valid choice. AAA is not one of the"),
        ("/api/v1/contracts/", "customer=abc", "Enter a whole number."),
        ("/api/v1/contracts/", f"number={'N' * 51}", "at most 50 characters"),
        ("/api/v1/commitments/", "contract=abc", "Enter a whole number."),
        ("/api/v1/commitments/", "indicator=1.5", "Enter a whole number."),
        ("/api/v1/waivers/", "commitment=abc", "Enter a whole number."),
    ],
)
def test_an_invalid_filter_is_a_400_naming_it(alice, bob, dave, slo, path, query, message):
    user = dave if "review" in path else alice if "/slos/" not in path else bob

    response = client_for(user).get(f"{path}?{query}")

    assert response.status_code == 400
    name = query.split("=")[0]
    assert message in response.json()[name][0]


def test_valid_filters_still_filter(bob, slo, availability, latency):
    client = client_for(bob)

    assert client.get("/api/v1/slos/?status=draft").json()["count"] == (slo.status == "draft")
    by_indicator = client.get(f"/api/v1/slos/?indicator={latency.pk}").json()
    assert by_indicator["count"] == 0
    by_service = client.get(f"/api/v1/indicators/?service={availability.service_id}").json()
    assert {row["id"] for row in by_service["results"]} == {availability.pk, latency.pk}


def test_contract_filters_still_filter(alice, contract, acme):
    client = client_for(alice)

    assert client.get(f"/api/v1/contracts/?customer={acme.pk}").json()["count"] == 1
    assert client.get(f"/api/v1/contracts/?customer={acme.pk + 1}").json()["count"] == 0
    assert client.get("/api/v1/contracts/?status=signed").json()["count"] == 0
    assert client.get(f"/api/v1/contracts/?number={contract.number}").json()["count"] == 1


def test_the_schema_documents_the_filters():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    slo_params = {p["name"]: p["schema"] for p in paths["/api/v1/slos/"]["get"]["parameters"]}

    assert set(slo_params["status"]["enum"]) == {"draft", "active", "retired"}
    assert slo_params["indicator"]["type"] == "integer"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("service=abc", "Enter a whole number."),
        ("priority=P9", "Select a valid choice. P9 is not one of the available choices."),
        ("status=lost", "Select a valid choice."),
        ("created_after=yesterday", "Enter a valid date/time."),
    ],
)
def test_an_invalid_ticket_filter_is_a_400_naming_it(root, query, message):  # noqa: F811
    response = client_for(root).get(f"/api/v1/tickets/?{query}")

    assert response.status_code == 400
    assert message in response.json()[query.split("=")[0]][0]
