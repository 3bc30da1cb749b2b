"""Ticket history from a CSV file in the admin: preview with per-row errors, all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.roles import SUPPORT
from apps.support.csv_import import ticket_history_csv_import
from apps.support.models import Ticket, TicketEvent
from tests.factories import CustomerFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/support/helpdesksource/tickets/upload-csv/"

GOOD = b"""external_id,at,type,value,service,priority,customer,subject
T-1,2026-03-02T09:00:00Z,created,,support-desk,P1,Acme,Checkout down
T-1,2026-03-02T09:10:00Z,public_reply,,,,,
T-1,2026-03-02T09:40:00Z,status,pending_customer,,,,
T-1,2026-03-02T11:00:00Z,status,solved,,,,
T-2,2026-03-03T09:00:00Z,created,,support-desk,P3,,
T-2,2026-03-03T10:00:00Z,priority,P2,,,,
"""


@pytest.fixture
def desk():
    ServiceFactory(slug="support-desk")
    CustomerFactory(name="Acme")


def upload(client, data: bytes, name="history.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_preview_writes_nothing_then_confirm_imports_every_row(admin_client, desk):
    preview = upload(admin_client, GOOD)
    assert preview.status_code == 200
    assert "6 events for 2 tickets, all valid" in preview.content.decode()
    assert not Ticket.objects.exists()

    confirmed = admin_client.post(
        URL, {"confirm": "1", "token": preview.context["token"]}, follow=True
    )
    assert "Imported history.csv: 6 events recorded, 0 already there." in (
        confirmed.content.decode()
    )
    first = Ticket.objects.get(source="csv", external_id="T-1")
    assert (first.status, first.customer.name, first.subject) == ("solved", "Acme", "Checkout down")
    assert Ticket.objects.get(external_id="T-2").priority == "P2"
    assert TicketEvent.objects.count() == 6


def test_the_same_file_again_adds_nothing(desk):
    assert ticket_history_csv_import(data=GOOD).result.created == 6
    again = ticket_history_csv_import(data=GOOD)
    assert (again.result.created, again.result.duplicates) == (0, 6)
    assert TicketEvent.objects.count() == 6


def test_every_bad_row_is_listed_with_its_column_and_nothing_is_written(admin_client, desk):
    bad = GOOD + (
        b"T-3,2026-03-04T09:00:00Z,created,,no-such-desk,P9,,\n"
        b"T-1,2026-03-02T12:00:00Z,status,parked,,,,\n"
        b"T-1,yesterday,public_reply,,,,,\n"
    )
    answer = upload(admin_client, bad)
    page = answer.content.decode()
    errors = [(e.row, e.column) for e in answer.context["errors"]]
    assert (8, "service") in errors and (8, "priority") in errors
    assert (9, "value") in errors
    assert "nothing was imported" in page
    assert "unknown status &#x27;parked&#x27;" in page
    assert not Ticket.objects.exists()


def test_an_event_before_the_ticket_was_created_names_its_row(desk):
    history = GOOD + b"T-2,2026-03-01T09:00:00Z,status,on_hold,,,,\n"
    parsed = ticket_history_csv_import(data=history)
    assert [(e.row, e.column) for e in parsed.errors] == [(8, "at")]
    assert "before the ticket's creation" in parsed.errors[0].message
    assert not Ticket.objects.exists()


def test_missing_columns_are_named(desk):
    parsed = ticket_history_csv_import(data=b"external_id,type\nT-1,created\n")
    assert [(e.row, e.column, e.message) for e in parsed.errors] == [(1, "at", "missing column")]


def test_only_people_who_may_add_tickets_upload(client, desk, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)
    assert upload(client, GOOD).status_code == 403


def test_the_support_group_uploads_history_and_keeps_helpdesk_sources(client, desk):
    client.force_login(UserFactory(username="sam", is_staff=True, roles=[SUPPORT]))
    assert "all valid" in upload(client, GOOD).content.decode()
    assert client.get("/admin/support/helpdesksource/add/").status_code == 200
