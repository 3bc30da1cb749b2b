"""Catalog and SLO writes: the roles' model permissions, model validation as 400s, history user."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from apps.catalog.models import Indicator, Service
from apps.slos.models import SLO

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_engineering_creates_an_indicator_and_an_slo(bob, payments):
    engineer = client_for(bob)
    indicator = engineer.post(
        "/api/v1/indicators/",
        {
            "service": payments.pk,
            "name": "Checkout latency",
            "kind": "latency",
            "threshold": "250",
            "unit": "ms",
        },
    )
    assert indicator.status_code == 201, indicator.json()
    assert indicator.json()["threshold"] == "250.000"
    assert indicator.json()["source"] == "api"

    slo = engineer.post(
        "/api/v1/slos/",
        {"indicator": indicator.json()["id"], "target": "99.5", "status": "active"},
    )
    assert slo.status_code == 201, slo.json()
    body = slo.json()
    assert (body["target"], body["window"], body["budgeting_method"], body["version"]) == (
        "99.5000",
        "30d",
        "occurrences",
        1,
    )


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/v1/services/", {"slug": "new", "name": "New"}),
        ("/api/v1/slos/", {"target": "99"}),
        ("/api/v1/teams/", {"name": "New team"}),
    ],
)
def test_sales_and_legal_cannot_write_engineering_resources(alice, carol, path, payload):
    for user in (alice, carol):
        response = client_for(user).post(path, payload)
        assert response.status_code == 403
    assert not Service.objects.filter(slug="new").exists()


def test_no_role_cannot_read_the_catalog_and_anonymous_is_401(mallory, payments):
    assert client_for(mallory).get("/api/v1/services/").status_code == 403
    response = client_for().get("/api/v1/services/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_every_role_reads_the_catalog(alice, carol, dave, payments):
    for user in (alice, carol, dave):
        response = client_for(user).get("/api/v1/services/")
        assert response.status_code == 200
        assert [s["slug"] for s in response.json()["results"]] == ["payments-api"]


@pytest.mark.parametrize(
    ("target", "message"),
    [("0", "greater than 0"), ("101", "less than or equal to 100"), ("abc", "valid number")],
)
def test_slo_target_outside_0_to_100_is_400_naming_target(bob, slo, target, message):
    response = client_for(bob).patch(f"/api/v1/slos/{slo.pk}/", {"target": target})

    assert response.status_code == 400
    assert message in " ".join(response.json()["target"])
    slo.refresh_from_db()
    assert (slo.target, slo.version) == (Decimal("99.9"), 1)


def test_second_active_slo_on_an_indicator_is_400_naming_status(bob, slo):
    engineer = client_for(bob)
    draft = engineer.post(
        "/api/v1/slos/", {"indicator": slo.indicator_id, "target": "99.99", "status": "draft"}
    )
    assert draft.status_code == 201

    activated = engineer.patch(f"/api/v1/slos/{draft.json()['id']}/", {"status": "active"})
    created = engineer.post(
        "/api/v1/slos/", {"indicator": slo.indicator_id, "target": "99.5", "status": "active"}
    )

    for response in (activated, created):
        assert response.status_code == 400
        assert response.json() == {"status": ["This indicator already has an active SLO."]}
    assert SLO.objects.filter(status="active").count() == 1
    assert SLO.objects.count() == 2


def test_model_clean_rules_apply_to_api_writes(bob, payments, slo):
    engineer = client_for(bob)
    prometheus = engineer.post(
        "/api/v1/indicators/",
        {
            "service": payments.pk,
            "name": "From Prometheus",
            "kind": "quality",
            "source": "prometheus",
        },
    )
    assert prometheus.status_code == 400
    assert "good and a total query" in prometheus.json()["good_query"][0]

    timeslices = engineer.patch(
        f"/api/v1/slos/{slo.pk}/", {"budgeting_method": "timeslices", "timezone": "Nowhere/City"}
    )
    assert timeslices.status_code == 400
    assert set(timeslices.json()) == {"timezone"}
    timeslices = engineer.patch(f"/api/v1/slos/{slo.pk}/", {"budgeting_method": "timeslices"})
    assert timeslices.status_code == 400
    assert "timeslice_target" in timeslices.json()
    assert Indicator.objects.count() == 1
    slo.refresh_from_db()
    assert slo.budgeting_method == "occurrences"


def test_duplicate_indicator_name_on_a_service_is_named(bob, availability):
    response = client_for(bob).post(
        "/api/v1/indicators/",
        {"service": availability.service_id, "name": availability.name, "kind": "availability"},
    )

    assert response.status_code == 400
    assert "service" in response.json()
    assert Indicator.objects.count() == 1


def test_token_auth_end_to_end_records_the_acting_user_in_history(bob, slo):
    anonymous = client_for()
    wrong = anonymous.post("/api/v1/auth/token/", {"username": "bob", "password": "nope"})
    assert wrong.status_code == 400
    token = anonymous.post("/api/v1/auth/token/", {"username": "bob", "password": "pw"})
    assert token.status_code == 200
    assert token.json()["token"] == Token.objects.get(user=bob).key

    machine = client_for()
    machine.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = machine.patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.95"})

    assert response.status_code == 200
    assert response.json()["version"] == 2
    latest = slo.history.first()
    assert (latest.history_user, latest.target) == (bob, Decimal("99.95"))
    bad = client_for()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/v1/slos/").status_code == 401


def test_session_auth_records_the_acting_user_in_history(bob, client, payments):
    client.force_login(bob)
    response = client.patch(
        f"/api/v1/services/{payments.pk}/",
        {"name": "Payments"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert payments.history.first().history_user == bob
    entry = client_for(bob).get(f"/api/v1/services/{payments.pk}/history/").json()[0]
    assert (entry["user"], entry["changes"]["name"]) == ("bob", ["Payments API", "Payments"])


def test_team_members_are_user_ids_and_membership_changes_are_recorded(
    payments_team, bob, erin, admin_user
):
    admin = client_for(admin_user)
    response = admin.patch(f"/api/v1/teams/{payments_team.pk}/", {"members": [bob.pk, erin.pk]})

    assert response.status_code == 200
    assert sorted(response.json()["members"]) == sorted([bob.pk, erin.pk])
    assert set(payments_team.members.all()) == {bob, erin}
    assert payments_team.history.first().history_user == admin_user


def test_service_shows_its_buffer_policy_override(bob, payments):
    from apps.slos.models import BufferPolicy

    engineer = client_for(bob)
    assert engineer.get(f"/api/v1/services/{payments.pk}/").json()["buffer_policy"] is None
    BufferPolicy.objects.create(service=payments, min_budget_ratio=Decimal("3"))

    body = engineer.get(f"/api/v1/services/{payments.pk}/").json()

    assert body["buffer_policy"] == {"min_budget_ratio": "3.00", "min_margin": "0.0000"}


def test_lists_filter_by_parent(bob, availability, latency, search_team):
    other = Service.objects.create(slug="search", name="Search", team=search_team)
    engineer = client_for(bob)

    by_service = engineer.get(f"/api/v1/indicators/?service={availability.service_id}").json()
    by_team = engineer.get(f"/api/v1/services/?team={search_team.pk}").json()

    assert {i["id"] for i in by_service["results"]} == {availability.pk, latency.pk}
    assert [s["id"] for s in by_team["results"]] == [other.pk]
