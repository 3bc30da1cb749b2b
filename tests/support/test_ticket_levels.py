"""The levels of each clock on the ticket page and in the clocks API: where they fall, when they
fired, where they went; the page's fixed query budget."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.core.roles import SUPPORT
from apps.support.models import TicketClock
from tests.conftest import api_as
from tests.factories import UserFactory

from .conftest import T0
from .test_escalations import _evaluate, _ticket

MINUTE = timedelta(minutes=1)
# session, user, roles, ticket, its clocks, their levels, the levels' deliveries, permissions
# (user, groups: the navigation), the log. A ticket without clocks skips the two level queries.
TICKET_PAGE_QUERIES = 10


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])


def _page(user, ticket, at) -> str:
    client = Client()
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        answer = client.get(f"/support/tickets/{ticket.pk}/")
    assert answer.status_code == 200
    return answer.content.decode()


def _rows(page: str) -> list[str]:
    table = page.split('<table id="levels">', 1)[1].split("</table>", 1)[0]
    return table.split("<tr data-level=")[1:]


@pytest.mark.django_db
def test_the_ticket_page_shows_each_level_when_it_fired_and_where_it_went(
    sam, payments, matrix, policy, pagerduty, django_capture_on_commit_callbacks
):
    ticket = _ticket(payments)
    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)
    _evaluate(T0 + 16 * MINUTE, django_capture_on_commit_callbacks)

    rows = _rows(_page(sam, ticket, T0 + 20 * MINUTE))

    assert len(rows) == 3  # the response clock's three levels
    first, second, third = rows
    assert "50 % of the target" in first and "2026-03-02 09:07" in first
    assert "2026-03-02 09:08" in first
    assert "agent@example.com" in first and "(assignee)" in first and "Sent" in first
    assert "+0 min from the due" in second
    assert "payments on-call" in second and "(escalation channel)" in second
    assert "lead@example.com" in second and second.count("Sent") == 2
    assert "+60 min from the due" in third and "not yet" in third


@pytest.mark.django_db
def test_the_clocks_api_gives_each_level_its_placement_actions_and_deliveries(
    sam, payments, matrix, policy, pagerduty, on_call, django_capture_on_commit_callbacks
):
    ticket = _ticket(payments)
    _evaluate(T0 + 16 * MINUTE, django_capture_on_commit_callbacks)

    with time_machine.travel(T0 + 20 * MINUTE, tick=False):
        clocks = api_as(sam).get(f"/api/v1/tickets/{ticket.pk}/clocks/").json()

    response = next(clock for clock in clocks if clock["metric"] == "response")
    levels = response["levels"]
    assert [(lv["level"], lv["percent"], lv["offset_minutes"]) for lv in levels] == [
        (1, "50.00", None),
        (2, None, 0),
        (3, None, 60),
    ]
    assert [lv["fired_at"] is None for lv in levels] == [False, False, True]
    assert levels[0]["deliveries"] == [
        {
            "channel": None,
            "kind": "email",
            "action": "notify",
            "target": "agent@example.com",
            "status": "sent",
        }
    ]
    paged = [d for d in levels[1]["deliveries"] if d["channel"] == on_call.pk]
    assert [(d["kind"], d["action"], d["status"]) for d in paged] == [
        ("pagerduty", "trigger", "sent")
    ]
    assert levels[1]["actions"]["channels"] == [on_call.pk]
    assert levels[2]["deliveries"] == [] and levels[2]["actions"] == {}
    assert all(lv["fire_outside_hours"] is False for lv in levels)
    resolution = next(clock for clock in clocks if clock["metric"] == "resolution")
    assert resolution["levels"] == []  # the policy's levels are for the response clock


@pytest.mark.django_db
def test_the_ticket_page_costs_the_same_for_no_levels_and_many_deliveries(
    sam, payments, matrix, policy, pagerduty, django_capture_on_commit_callbacks
):
    quiet = _ticket(payments, external_id="T-quiet", priority="P3")  # no clocks, no levels
    busy = _ticket(payments)
    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)
    _evaluate(T0 + 16 * MINUTE, django_capture_on_commit_callbacks)
    assert TicketClock.objects.get(ticket=busy, metric="response").escalations.count() == 3

    client = Client()
    client.force_login(sam)
    counts = []
    for ticket in (quiet, busy):
        with (
            time_machine.travel(T0 + 20 * MINUTE, tick=False),
            CaptureQueriesContext(connection) as queries,
        ):
            assert client.get(f"/support/tickets/{ticket.pk}/").status_code == 200
        counts.append(len(queries))

    assert counts == [TICKET_PAGE_QUERIES - 2, TICKET_PAGE_QUERIES]
