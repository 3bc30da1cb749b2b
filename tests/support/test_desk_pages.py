"""The built-in ticket list and the metrics page: who may use them, every change an event, the
clocks' colours, the fixed query budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.core.roles import LEADERSHIP, SALES, SUPPORT
from apps.support.models import Ticket
from apps.support.services import ticket_create, ticket_event_add
from tests.charts import chart_data
from tests.factories import UserFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def open_ticket(service, n, *, priority="P1", at=T0, **fields):
    return ticket_create(
        source="builtin",
        external_id=f"B-{n}",
        service=service,
        priority=priority,
        subject=f"Ticket {n}",
        created_at=at,
        now=at,
        **fields,
    )


def colours(page: str) -> list[str]:
    return [part.split('"')[0] for part in page.split('data-colour="')[1:]]


def test_support_creates_a_ticket_and_its_clocks_start(sam, payments, matrix):
    client = logged_in(sam)
    with time_machine.travel(T0, tick=False):
        answer = client.post(
            "/support/", {"service": payments.pk, "priority": "P1", "subject": "Card declined"}
        )
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer.url == f"/support/tickets/{ticket.pk}/"
    assert (ticket.source, ticket.external_id, ticket.assignee) == ("builtin", "B-1", "sam")
    assert list(ticket.events.values_list("type", flat=True)) == ["created", "assigned"]
    assert ticket.clocks.count() == 2  # P1 response and resolution


def test_status_priority_and_reply_are_events_that_move_the_clocks(sam, payments, matrix):
    ticket = open_ticket(payments, 1)
    client = logged_in(sam)
    url = f"/support/tickets/{ticket.pk}/"
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        page = client.post(url, {"action": "reply", "text": "On it."}, follow=True)
    assert "Public reply recorded." in page.content.decode()
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        client.post(url, {"action": "status", "status": "pending_customer"})
        client.post(url, {"action": "priority", "priority": "P2"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending_customer", "P2")
    assert list(ticket.events.order_by("at", "id").values_list("type", "value")) == [
        ("created", {"priority": "P1", "status": "open"}),
        ("public_reply", "On it."),
        ("status", "pending_customer"),
        ("priority", "P2"),
    ]
    states = dict(ticket.clocks.values_list("indicator__name", "state"))
    assert states["P1 response"] == "met"
    assert states["P1 resolution"] == "cancelled"


def test_a_bad_change_says_why_and_writes_nothing(sam, payments, matrix):
    ticket = open_ticket(payments, 1)
    page = logged_in(sam).post(
        f"/support/tickets/{ticket.pk}/", {"action": "status", "status": "archived"}, follow=True
    )
    assert "Choose what to change" in page.content.decode()
    assert ticket.events.count() == 1


def test_forms_need_the_csrf_token(sam, payments, matrix):
    ticket = open_ticket(payments, 1)
    client = logged_in(sam, enforce_csrf_checks=True)
    answer = client.post(f"/support/tickets/{ticket.pk}/", {"action": "reply", "text": "Hi"})
    assert answer.status_code == 403
    assert ticket.events.count() == 1


def test_list_colours_each_clock_by_time_left(sam, payments, matrix):
    # P1 response: 15 minutes, 24x7. Opened 1, 12 and 20 minutes before the page is read.
    now = T0 + timedelta(hours=1)
    for n, minutes in enumerate((1, 12, 20)):
        open_ticket(payments, n, at=now - timedelta(minutes=minutes))
    with time_machine.travel(now, tick=False):
        page = logged_in(sam).get("/support/").content.decode()
    # Newest first; the response clock, then the resolution clock, of each ticket.
    assert colours(page) == ["green", "green", "amber", "green", "red", "green"]
    assert "14m left" in page and "5m over" in page


def test_rows_fragment_refreshes_without_the_page(sam, payments, matrix):
    open_ticket(payments, 1)
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        fragment = logged_in(sam).get("/support/", {"fragment": "rows"}).content.decode()
    assert "<html" not in fragment and "1m over" in fragment


def test_list_costs_the_same_queries_for_more_tickets(
    sam, payments, matrix, django_assert_num_queries
):
    client = logged_in(sam)
    client.get("/support/")
    for n in range(2):
        open_ticket(payments, n, priority="P2")
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        # session, user, roles, tickets, their clocks
        with django_assert_num_queries(5):
            client.get("/support/", {"fragment": "rows"})
        for n in range(2, 8):
            open_ticket(payments, n, priority="P1" if n % 2 else "P2")
        with django_assert_num_queries(5):
            fragment = client.get("/support/", {"fragment": "rows"}).content.decode()
    assert fragment.count("<tr>") == 8


def test_the_list_is_for_support_and_the_metrics_also_for_leadership(payments, matrix):
    dave = UserFactory(username="dave", roles=[LEADERSHIP])
    alice = UserFactory(username="alice", roles=[SALES])
    assert logged_in(dave).get("/support/").status_code == 403
    assert logged_in(dave).get("/support/metrics/").status_code == 200
    assert logged_in(alice).get("/support/metrics/").status_code == 403
    assert Client().get("/support/").status_code == 302  # to the login page


def test_metrics_page_shows_the_table_charts_and_csv(sam, payments, matrix):
    ticket = open_ticket(payments, 1)
    ticket_event_add(
        ticket=ticket,
        type="public_reply",
        at=T0 + timedelta(minutes=10),
        now=T0 + timedelta(minutes=10),
    )
    client = logged_in(sam)
    response = client.get("/support/metrics/", {"service": payments.pk})
    page = response.content.decode()
    assert '<td class="number">100 %</td>' in page
    assert '<td class="number">10</td>' in page  # the average response, in business minutes
    assert '<td class="number">10.0</td>' not in page
    assert "<canvas" not in page and "<script" not in page.split("<main")[-1]
    charts = chart_data(response)
    assert list(charts) == ["within", "response", "tickets"]
    assert charts["within"]["series"] == {
        "Responded within target": [("P1", Decimal(100))],
        "Resolved within target": [],
    }
    assert charts["within"]["ticks"] == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
    assert charts["response"]["series"]["Average response"] == [("P1", Decimal(10))]
    committed = charts["response"]["series"]["Committed response"]
    assert [label for label, _ in committed] == ["P1"]
    assert charts["tickets"]["series"] == {
        "Tickets": [("P1", Decimal(1)), ("P2", Decimal(0)), ("P3", Decimal(0)), ("P4", Decimal(0))]
    }
    assert charts["tickets"]["legend"] == ["Tickets"]
    csv_text = client.get("/support/metrics/", {"format": "csv"}).content.decode()
    lines = csv_text.splitlines()
    assert lines[0].startswith("priority,tickets,responded_within_pct")
    assert lines[1].startswith("P1,1,100.0,")
    bad = client.get("/support/metrics/", {"start": "2026-03-10", "end": "2026-03-01"})
    assert "The end is before the start." in bad.content.decode()


def test_a_new_ticket_takes_a_number_no_ticket_holds(sam, payments, matrix):
    open_ticket(payments, 1)
    open_ticket(payments, 3)  # B-1 and B-3: the next free number after two is B-4
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        logged_in(sam).post(
            "/support/", {"service": payments.pk, "priority": "P2", "subject": "Slow export"}
        )
    assert Ticket.objects.get(subject="Slow export").external_id == "B-4"


def test_metrics_page_costs_the_same_queries_for_more_tickets(sam, payments, matrix):
    client = logged_in(sam)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/support/metrics/", {"service": payments.pk}).status_code == 200
        return len(captured.captured_queries)

    open_ticket(payments, 1)
    few = queries()
    for n in range(2, 12):
        open_ticket(payments, n, priority=("P1", "P2")[n % 2])
    assert queries() == few
    # Session, user, roles and permissions (the navigation), the filter's choices (the service
    # checked, then the three lists drawn), the GROUP BY of the tickets, the clocks, the
    # escalations and the breach causes.
    assert few <= 14
