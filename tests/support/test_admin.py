"""The tickets in the admin: filters, the read-only log and clocks, nothing editable."""

from datetime import timedelta

import pytest

from apps.core.roles import SUPPORT
from apps.support import services
from tests.admin.helpers import client_for
from tests.factories import UserFactory

from .conftest import T0


@pytest.fixture
def lead(db):
    """A support lead with admin access."""
    return UserFactory(username="lena", is_staff=True, roles=[SUPPORT])


@pytest.fixture
def tickets(payments, matrix, acme):
    now = T0 + timedelta(hours=1)
    breached = services.ticket_create(
        source="api",
        external_id="B-1",
        service=payments,
        priority="P1",
        created_at=T0,
        subject="Breached one",
        customer=acme,
        now=now,
    )
    met = services.ticket_create(
        source="api",
        external_id="M-1",
        service=payments,
        priority="P1",
        created_at=T0,
        subject="Answered one",
        now=now,
    )
    services.ticket_event_add(
        ticket=met, type="public_reply", at=T0 + timedelta(minutes=5), event_id="r1", now=now
    )
    return breached, met


def test_the_ticket_list_filters_by_clock_state_priority_and_customer(lead, tickets, acme):
    client = client_for(lead)
    page = client.get("/admin/support/ticket/", {"clock_state": "breached"}).content.decode()
    assert "Breached one" in page and "Answered one" not in page
    page = client.get("/admin/support/ticket/", {"clock_state": "met"}).content.decode()
    assert "Answered one" in page and "Breached one" not in page
    page = client.get("/admin/support/ticket/", {"customer__id__exact": acme.pk}).content.decode()
    assert "Breached one" in page and "Answered one" not in page
    page = client.get("/admin/support/ticket/", {"priority__exact": "P2"}).content.decode()
    assert "Breached one" not in page


def test_a_ticket_shows_its_log_and_clocks_read_only(lead, tickets):
    _, met = tickets
    client = client_for(lead)
    response = client.get(f"/admin/support/ticket/{met.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "public_reply" in page or "Public reply" in page
    assert "r1" in page
    assert 'name="subject"' not in page
    assert 'name="events-0-at"' not in page
    before = met.events.count()
    client.post(f"/admin/support/ticket/{met.pk}/change/", {"subject": "changed"})
    met.refresh_from_db()
    assert met.subject == "Answered one" and met.events.count() == before
    assert client.get("/admin/support/ticket/add/").status_code == 403
