"""Requests the schema fuzzer found answering 500, each now a 400 naming what is wrong."""

import pytest

from apps.core.roles import SUPPORT
from apps.support.models import Ticket, TicketEvent
from tests.conftest import api_as
from tests.factories import TeamFactory, UserFactory

from .test_api import new_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", roles=[SUPPORT])


@pytest.mark.parametrize(
    "value",
    ["0639-08-25T16:42:19-22:34", "1288-09-03T20:10:06+20:06", "0001-01-01T00:00:00+01:00"],
)
@pytest.mark.parametrize("route", ["list", "clocks", "escalations"])
def test_a_ticket_filter_instant_the_database_cannot_hold_is_a_400(
    sam, payments, matrix, route, value
):
    client = api_as(sam)
    ticket_id = new_ticket(client, payments).json()["id"]
    path = {
        "list": "/api/v1/tickets/",
        "clocks": f"/api/v1/tickets/{ticket_id}/clocks/",
        "escalations": f"/api/v1/tickets/{ticket_id}/escalations/",
    }[route]

    response = client.get(path, {"created_after": value})

    assert response.status_code == 400
    assert response.json() == {"created_after": ["The timestamp must fall from 1970 to 9000."]}


def test_an_event_at_an_impossible_minute_is_a_400_and_writes_nothing(sam, payments, matrix):
    client = api_as(sam)
    events = [
        {
            "source": "api",
            "external_id": "T-9",
            "event_id": "e1",
            "at": "2024-01-01T12:99:00Z",
            "type": "created",
            "value": {"service": payments.pk, "priority": "P1"},
        }
    ]

    response = client.post("/api/v1/ticket-events/", events, format="json")

    assert response.status_code == 400
    assert "at" in response.json()["rows"]["0"]
    assert not Ticket.objects.filter(external_id="T-9").exists()
    assert not TicketEvent.objects.filter(event_id="e1").exists()


def test_an_openslo_team_name_with_a_nul_is_a_400(db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    TeamFactory(name="Payments")

    response = api_as(root).post(
        "/api/v1/openslo/import?team=Pay%00ments",
        "apiVersion: openslo/v1\n",
        content_type="application/yaml",
    )

    assert response.status_code == 400
    assert response.json() == {"team": ["A team name has no NUL character."]}


@pytest.mark.parametrize("ticket_id", ["false", "null,null"])
def test_posting_an_event_to_a_ticket_id_that_is_not_a_number_is_a_404(sam, ticket_id):
    response = api_as(sam).post(
        f"/api/v1/tickets/{ticket_id}/events/",
        {"at": "2026-01-05T08:00:00Z", "type": "comment", "value": "x"},
        format="json",
    )

    assert response.status_code == 404
