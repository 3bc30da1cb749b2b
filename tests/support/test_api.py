"""The support desk's API routes: tickets, events, bulk events, clocks as of an instant."""

from datetime import timedelta

import pytest
import time_machine

from apps.core.roles import SUPPORT
from apps.support.models import Ticket, TicketEvent
from tests.conftest import api_as
from tests.factories import UserFactory

from .conftest import T0

MINUTE = timedelta(minutes=1)
NOW = T0 + timedelta(hours=2)


@pytest.fixture
def sam(db):
    """A support agent."""
    return UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def listed(client, **filters) -> list[str]:
    body = client.get("/api/v1/tickets/", filters).json()
    rows = body["results"] if isinstance(body, dict) else body
    return [row["external_id"] for row in rows]


def new_ticket(client, payments, **fields):
    body = {
        "external_id": "T-1",
        "service": payments.pk,
        "priority": "P1",
        "created_at": T0.isoformat(),
        "subject": "Card payments fail",
        **fields,
    }
    return client.post("/api/v1/tickets/", body, format="json")


def test_support_creates_a_ticket_and_reads_it_back(sam, payments, matrix):
    client = api_as(sam)
    response = new_ticket(client, payments)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "api" and body["status"] == "open"
    assert (body["reopens"], body["first_resolution_seconds"]) == (0, None)
    assert listed(client, priority="P1", service=payments.pk) == ["T-1"]
    assert listed(client, priority="P2") == []
    assert listed(client, created_after=(T0 + MINUTE).isoformat()) == []


def test_posting_an_event_answers_the_clocks(sam, payments, matrix):
    client = api_as(sam)
    ticket_id = new_ticket(client, payments).json()["id"]
    url = f"/api/v1/tickets/{ticket_id}/events/"
    body = {"at": (T0 + 10 * MINUTE).isoformat(), "type": "public_reply", "event_id": "r-1"}
    response = client.post(url, body, format="json")
    assert response.status_code == 201
    by_metric = {clock["metric"]: clock for clock in response.json()}
    assert by_metric["response"]["state"] == "met"
    assert by_metric["response"]["business_elapsed_seconds"] == 600
    assert by_metric["resolution"]["state"] == "running"
    assert by_metric["resolution"]["remaining_seconds"] == 240 * 60 - 2 * 3600
    assert by_metric["resolution"]["percent_elapsed"] == 50.0
    assert by_metric["resolution"]["id"] is not None
    again = client.post(url, body, format="json")
    assert again.status_code == 200
    assert TicketEvent.objects.filter(event_id="r-1").count() == 1
    changed = client.post(url, {**body, "type": "comment"}, format="json")
    assert changed.status_code == 400
    assert "event_id" in changed.json()


def test_an_unknown_status_is_400_naming_value(sam, payments, matrix):
    client = api_as(sam)
    ticket_id = new_ticket(client, payments).json()["id"]
    response = client.post(
        f"/api/v1/tickets/{ticket_id}/events/",
        {"at": NOW.isoformat(), "type": "status", "value": "waiting"},
        format="json",
    )
    assert response.status_code == 400
    assert "waiting" in response.json()["value"][0]


def test_clocks_as_of_an_earlier_instant(sam, payments, matrix):
    client = api_as(sam)
    ticket_id = new_ticket(client, payments).json()["id"]
    url = f"/api/v1/tickets/{ticket_id}/clocks/"
    earlier = {
        c["metric"]: c for c in client.get(url, {"at": (T0 + 5 * MINUTE).isoformat()}).json()
    }
    assert earlier["response"]["state"] == "running"
    assert earlier["response"]["remaining_seconds"] == 600
    assert earlier["response"]["levels"] == []
    now = {c["metric"]: c for c in client.get(url).json()}
    assert now["response"]["state"] == "breached"
    assert now["response"]["remaining_seconds"] == 15 * 60 - 2 * 3600
    assert client.get(url, {"at": "yesterday"}).status_code == 400


def test_bulk_events_create_tickets_and_count_duplicates(sam, payments, matrix):
    client = api_as(sam)
    events = [
        {
            "source": "zendesk",
            "external_id": "35436",
            "event_id": "z1",
            "at": T0.isoformat(),
            "type": "created",
            "value": {"service": "payments-api", "priority": "P1"},
        },
        {
            "source": "zendesk",
            "external_id": "35436",
            "event_id": "z2",
            "at": (T0 + 20 * MINUTE).isoformat(),
            "type": "public_reply",
        },
    ]
    assert client.post("/api/v1/ticket-events/", events, format="json").json() == {
        "created": 2,
        "duplicates": 0,
    }
    assert client.post("/api/v1/ticket-events/", events, format="json").json() == {
        "created": 0,
        "duplicates": 2,
    }
    bad = [{**events[1], "event_id": "z3", "at": (T0 - MINUTE).isoformat()}]
    response = client.post("/api/v1/ticket-events/", bad, format="json")
    assert response.status_code == 400
    assert "at" in response.json()["rows"]["0"]
    assert Ticket.objects.get().status == "open"


def test_who_may_not_post_events_gets_403_and_nothing_is_written(sam, alice, payments, matrix):
    ticket_id = new_ticket(api_as(sam), payments).json()["id"]
    response = api_as(alice).post(
        f"/api/v1/tickets/{ticket_id}/events/",
        {"at": NOW.isoformat(), "type": "public_reply"},
        format="json",
    )
    assert response.status_code == 403
    assert new_ticket(api_as(alice), payments, external_id="T-2").status_code == 403
    assert TicketEvent.objects.count() == 1
