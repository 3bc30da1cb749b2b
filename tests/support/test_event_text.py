"""Bulk ticket events refuse text PostgreSQL cannot store, naming the field, and write nothing."""

import pytest

from apps.core.roles import SUPPORT
from apps.support.models import Ticket, TicketEvent
from tests.conftest import api_as
from tests.factories import UserFactory

from .conftest import T0


@pytest.fixture
def sam(db):
    """A support agent."""
    return UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("external_id", "35\x00436"),
        ("event_id", "z\x001"),
        ("value", {"service": "payments-api", "priority": "P1", "subject": "a\x00b"}),
    ],
)
def test_a_null_character_in_an_event_is_refused_with_400(sam, payments, matrix, field, value):
    event = {
        "source": "zendesk",
        "external_id": "35436",
        "event_id": "z1",
        "at": T0.isoformat(),
        "type": "created",
        "value": {"service": "payments-api", "priority": "P1"},
        field: value,
    }

    response = api_as(sam).post("/api/v1/ticket-events/", [event], format="json")

    assert response.status_code == 400
    assert response.json()["rows"]["0"] == {field: ["Null characters are not allowed."]}
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
