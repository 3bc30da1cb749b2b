"""/api/v1/review-cycles/ and /api/v1/review-packets/: contract fields, permissions, budgets."""

import csv
import io

import pytest

from apps.reviews.models import ReviewCycle, ReviewPacket
from tests.conftest import api_as
from tests.factories import ServiceFactory

from .conftest import YEAR


def test_leadership_opens_a_cycle_and_generation_starts(
    reviewed, dave, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(dave).post("/api/v1/review-cycles/", {"year": YEAR}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["year"] == YEAR
    assert body["status"] == "generating"
    assert body["progress"] == {"ready": 0, "failed": 0, "total": 2}
    listed = api_as(dave).get("/api/v1/review-cycles/").json()["results"]
    assert listed[0]["status"] == "complete"
    assert listed[0]["progress"] == {"ready": 2, "failed": 0, "total": 2}


@pytest.mark.parametrize("actor", ["alice", "bob", "carol", "mallory"])
def test_others_may_not_open_a_cycle(actor, request):
    response = api_as(request.getfixturevalue(actor)).post(
        "/api/v1/review-cycles/", {"year": YEAR}, format="json"
    )
    assert response.status_code == 403
    assert not ReviewCycle.objects.exists()


def test_a_second_cycle_is_409_and_a_bad_year_400(dave):
    client = api_as(dave)
    assert client.post("/api/v1/review-cycles/", {"year": YEAR}, format="json").status_code == 201
    again = client.post("/api/v1/review-cycles/", {"year": YEAR}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": f"A review cycle for {YEAR} already exists."}
    bad = client.post("/api/v1/review-cycles/", {"year": "soon"}, format="json")
    assert bad.status_code == 400
    assert "year" in bad.json()


def test_packet_fields_follow_the_contract(service_packet, carol):
    response = api_as(carol).get(f"/api/v1/review-packets/{service_packet.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "cycle", "scope", "scope_id", "version", "status", "content_hash", "data"} <= set(
        body
    )
    assert body["scope"] == "service"
    assert body["content_hash"] == service_packet.content_hash
    assert body["data"]["slas"][0]["credits_owed"] == "3500.00"


def test_packets_filter_by_cycle(cycle, carol):
    client = api_as(carol)
    assert client.get(f"/api/v1/review-packets/?cycle={cycle.pk}").json()["count"] == 2
    assert client.get(f"/api/v1/review-packets/?cycle={cycle.pk + 1}").json()["count"] == 0


def test_mallory_without_a_role_reads_nothing(service_packet, mallory):
    assert api_as(mallory).get("/api/v1/review-packets/").status_code == 403
    assert api_as(mallory).get("/api/v1/review-cycles/").status_code == 403


def test_packet_as_pdf_and_csv(service_packet, carol):
    client = api_as(carol)
    pdf = client.get(f"/api/v1/review-packets/{service_packet.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    response = client.get(f"/api/v1/review-packets/{service_packet.pk}/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "subject", "period_start", "metric", "value"]
    assert [
        "sla",
        "ACME-001 r1 · Availability",
        "2025-03-01",
        "credit_amount_EUR",
        "2500.00",
    ] in rows
    assert ["total", "", "", "credits_owed_EUR", "3500.00"] in rows


def test_pdf_of_a_packet_not_ready_is_409(reviewed, dave, carol):
    api_as(dave).post("/api/v1/review-cycles/", {"year": YEAR}, format="json")
    packet = ReviewPacket.objects.first()
    response = api_as(carol).get(f"/api/v1/review-packets/{packet.pk}/pdf/")
    assert response.status_code == 409


def test_signoff_through_the_api(service_packet, bob, alice, carol):
    url = f"/api/v1/review-packets/{service_packet.pk}/signoffs/"
    created = api_as(bob).post(url, {"role": "engineering", "comment": "fine"}, format="json")
    assert created.status_code == 201
    assert created.json()["user"] == bob.pk
    # Sales does not read service packets (they span customers): not found, let alone signed.
    assert api_as(alice).post(url, {"role": "engineering"}, format="json").status_code == 404
    assert api_as(carol).post(url, {"role": "engineering"}, format="json").status_code == 403
    assert api_as(bob).post(url, {"role": "engineering"}, format="json").status_code == 409
    assert api_as(bob).post(url, {"role": "boss"}, format="json").status_code == 400


def test_regenerate_through_the_api(
    service_packet, dave, alice, carol, django_capture_on_commit_callbacks
):
    url = f"/api/v1/review-packets/{service_packet.pk}/regenerate/"
    assert api_as(alice).post(url).status_code == 404  # sales reads no service packet
    assert api_as(carol).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(dave).post(url)
    assert response.status_code == 201
    assert response.json()["version"] == 2
    old = api_as(dave).get(f"/api/v1/review-packets/{service_packet.pk}/").json()
    assert old["is_current"] is False


def _fresh(user):
    """A client for a fresh user object: no permission cache carried over from setup."""
    return api_as(type(user).objects.get(pk=user.pk))


def _more_scopes(count):
    for number in range(count):
        ServiceFactory(slug=f"extra-{number}")


def test_cycle_list_has_a_fixed_query_budget(
    reviewed, dave, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = api_as(dave)
    client.post("/api/v1/review-cycles/", {"year": YEAR - 1}, format="json")
    client = _fresh(dave)
    with django_assert_num_queries(4):  # user perms, group perms, count, cycles with progress
        client.get("/api/v1/review-cycles/")
    _more_scopes(5)
    client.post("/api/v1/review-cycles/", {"year": YEAR}, format="json")
    client = _fresh(dave)
    with django_assert_num_queries(4):
        client.get("/api/v1/review-cycles/")


def test_packet_list_has_a_fixed_query_budget(cycle, dave, django_assert_num_queries):
    client = _fresh(dave)
    # user perms, group perms, the reader's roles, count, packets
    with django_assert_num_queries(5):
        client.get(f"/api/v1/review-packets/?cycle={cycle.pk}")
    _more_scopes(5)
    api_as(dave).post("/api/v1/review-cycles/", {"year": YEAR - 1}, format="json")
    client = _fresh(dave)
    with django_assert_num_queries(5):
        client.get("/api/v1/review-packets/")
