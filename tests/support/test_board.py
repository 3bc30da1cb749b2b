"""The live board for support leads: every clock still counting, by priority and time left, its
amber and red bands, its filters, and a fixed query budget per refresh."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.catalog.choices import IndicatorKind
from apps.core.roles import LEADERSHIP, SUPPORT
from apps.support import board_views
from apps.support.services import ticket_event_add
from tests.factories import CustomerFactory, ServiceFactory, UserFactory

from .conftest import T0, support_indicator
from .test_desk_pages import colours, logged_in
from .test_desk_pages import open_ticket as desk_ticket

pytestmark = pytest.mark.django_db

NOW = T0 + timedelta(hours=1)
# Session, user, roles (who may see the board), the clocks with their tickets joined.
FRAGMENT_QUERIES = 4
# The fragment's, the assignees suggested, the permissions (user, groups: the navigation), the
# team and customer choices.
PAGE_QUERIES = FRAGMENT_QUERIES + 5


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])


def open_ticket(service, n, *, minutes_ago, **fields):
    return desk_ticket(service, n, at=NOW - timedelta(minutes=minutes_ago), **fields)


def group(page: str, priority: str) -> str:
    """The HTML of one priority's group of the board."""
    start = page.index(f'id="board-{priority}"')
    return page[start : page.index("</section>", start)]


def tickets(html: str) -> list[str]:
    return [part.split("<")[0] for part in html.split('/">')[1:]]


def board(client, **query) -> str:
    with time_machine.travel(NOW, tick=False):
        answer = client.get("/support/board/", query)
    assert answer.status_code == 200
    return answer.content.decode()


def test_clocks_by_priority_least_time_left_first_in_their_bands(sam, payments, matrix):
    # P1 response: 15 minutes, resolution 4 hours, 24x7; P2 response 60 office minutes.
    open_ticket(payments, 1, minutes_ago=1)  # 14m left: green
    open_ticket(payments, 2, minutes_ago=12)  # 3m left, 80 % elapsed: amber
    open_ticket(payments, 3, minutes_ago=20)  # 5m over: red
    open_ticket(payments, 4, minutes_ago=50, priority="P2")  # 10m left of 60: amber
    replied = open_ticket(payments, 5, minutes_ago=30)
    ticket_event_add(
        ticket=replied, type="public_reply", at=NOW - timedelta(minutes=25), now=NOW
    )  # its response clock is met: off the board

    page = board(logged_in(sam))

    p1 = group(page, "P1")
    assert tickets(p1) == ["B-3", "B-2", "B-1", "B-5", "B-3", "B-2", "B-1"]
    assert colours(p1) == ["red", "amber", "green", "green", "green", "green", "green"]
    assert "5m over" in p1 and "3m left" in p1 and "14m left" in p1
    assert "7 counting" in p1 and "1 amber" in p1 and "1 red" in p1
    p2 = group(page, "P2")
    assert tickets(p2) == ["B-4", "B-4"]
    assert colours(p2) == ["amber", "green"]
    assert "No P3 clock is counting." in group(page, "P3")
    # Each row links to its ticket; the navigation and the ticket list link to the board.
    assert f'href="/support/tickets/{replied.pk}/"' in p1
    assert 'href="/support/board/" aria-current="page">Live board</a>' in page
    assert 'href="/support/board/"' in logged_in(sam).get("/support/").content.decode()


def test_a_stopped_or_cancelled_clock_leaves_the_board(sam, payments, matrix):
    ticket = open_ticket(payments, 1, minutes_ago=5)
    ticket_event_add(
        ticket=ticket, type="priority", value="P2", at=NOW - timedelta(minutes=2), now=NOW
    )
    page = board(logged_in(sam))
    assert tickets(group(page, "P1")) == []
    assert tickets(group(page, "P2")) == ["B-1", "B-1"]
    ticket_event_add(ticket=ticket, type="status", value="solved", at=NOW, now=NOW)
    ticket_event_add(ticket=ticket, type="public_reply", at=NOW, now=NOW)
    assert tickets(group(board(logged_in(sam)), "P2")) == []


@pytest.fixture
def search_ticket(payments, matrix, search_team):
    search = ServiceFactory(slug="search-api", name="Search API", team=search_team)
    support_indicator(search, IndicatorKind.SUPPORT_RESPONSE, "P1", 30)
    return open_ticket(
        search,
        9,
        minutes_ago=10,
        customer=CustomerFactory(name="Initech"),
        assignee="kim@example.com",
    )


def test_filters_by_team_customer_and_assignee(sam, payments, matrix, search_ticket, acme):
    open_ticket(payments, 1, minutes_ago=1, customer=acme, assignee="sam")
    open_ticket(payments, 2, minutes_ago=2)
    client = logged_in(sam)

    def shown(**query):
        return tickets(group(board(client, **query), "P1"))

    assert sorted(set(shown())) == ["B-1", "B-2", "B-9"]
    assert shown(team=search_ticket.service.team_id) == ["B-9"]
    assert set(shown(team=payments.team_id)) == {"B-1", "B-2"}
    assert set(shown(customer=acme.pk)) == {"B-1"}
    assert shown(assignee="KIM@example.com") == ["B-9"]
    assert shown(team=payments.team_id, assignee="kim@example.com") == []
    # The poll keeps the filters; the assignee filter suggests who holds a counting ticket.
    page = board(client, customer=acme.pk)
    assert f'data-refresh-url="?customer={acme.pk}&amp;fragment=board"' in page
    assert '<option value="kim@example.com">' in page and '<option value="sam">' in page


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"team": "payments"}, "Team: Select a valid choice."),
        ({"customer": "999999"}, "Customer: Select a valid choice."),
        ({"customer": "1.5"}, "Customer: Select a valid choice."),
        ({"assignee": "x" * 151}, "Assignee: Ensure this value has at most 150 characters"),
        ({"assignee": "sam\x00"}, "Assignee: Null characters are not allowed."),
    ],
)
def test_a_filter_that_cannot_be_one_is_named_not_a_500(sam, payments, matrix, query, problem):
    open_ticket(payments, 1, minutes_ago=1)
    client = logged_in(sam)
    for fragment in ({}, {"fragment": "board"}):
        answer = client.get("/support/board/", {**query, **fragment})
        assert answer.status_code == 400
        text = answer.content.decode()
        assert problem in text
        assert "These filters cannot be used" in text and "B-1" not in text


def test_the_fragment_refreshes_without_the_page(sam, payments, matrix):
    open_ticket(payments, 1, minutes_ago=14)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        fragment = logged_in(sam).get("/support/board/", {"fragment": "board"})
    text = fragment.content.decode()
    assert "<html" not in text and 'id="board-P1"' in text and "1m over" in text


def test_past_its_limit_the_board_shows_the_clocks_nearest_their_due(
    sam, payments, matrix, monkeypatch
):
    monkeypatch.setattr(board_views, "BOARD_LIMIT", 3)
    for n, minutes in enumerate((1, 12, 20)):
        open_ticket(payments, n + 1, minutes_ago=minutes)
    page = board(logged_in(sam))
    # Three P1 tickets, six clocks: the three responses are the nearest their due.
    assert tickets(group(page, "P1")) == ["B-3", "B-2", "B-1"]
    assert "Only the 3 clocks nearest their due are shown" in page


def test_the_board_is_whoever_may_read_the_ticket_list(payments, matrix):
    dave = UserFactory(username="dave", roles=[LEADERSHIP])
    assert logged_in(dave).get("/support/board/").status_code == 403
    assert Client().get("/support/board/").status_code == 302  # to the login page


def _tickets_with_counting_clocks(service, count: int, first: int) -> None:
    """Tickets whose counting clocks add up to ``count``: two per P1 ticket, one per ticket
    whose response is met, across P1 and P2."""
    n = first
    while count:
        priority = "P1" if n % 3 else "P2"
        ticket = open_ticket(service, n, minutes_ago=n % 40, priority=priority)
        if count == 1:
            ticket_event_add(ticket=ticket, type="public_reply", at=NOW, now=NOW)
        count -= min(count, 2)
        n += 1


def test_a_refresh_costs_the_same_queries_for_5_and_50_clocks(
    sam, payments, matrix, search_ticket, django_assert_num_queries
):
    client = logged_in(sam)
    team = {"team": payments.team_id}
    _tickets_with_counting_clocks(payments, 5, first=1)
    with time_machine.travel(NOW, tick=False):
        with django_assert_num_queries(FRAGMENT_QUERIES):
            few = client.get("/support/board/", {"fragment": "board"}).content.decode()
        with django_assert_num_queries(FRAGMENT_QUERIES + 1):  # the team looked up
            client.get("/support/board/", {"fragment": "board", **team})
    assert few.count("<tr class=") == 5 + 1  # and the search ticket's response
    _tickets_with_counting_clocks(payments, 45, first=10)
    with time_machine.travel(NOW, tick=False):
        with django_assert_num_queries(FRAGMENT_QUERIES):
            many = client.get("/support/board/", {"fragment": "board"}).content.decode()
        with django_assert_num_queries(FRAGMENT_QUERIES + 1):
            filtered = client.get("/support/board/", {"fragment": "board", **team})
    assert many.count("<tr class=") == 50 + 1
    assert filtered.content.decode().count("<tr class=") == 50


def test_the_page_costs_the_same_queries_for_5_and_50_clocks(sam, payments, matrix):
    client = logged_in(sam)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured, time_machine.travel(NOW, tick=False):
            assert client.get("/support/board/").status_code == 200
        return len(captured.captured_queries)

    _tickets_with_counting_clocks(payments, 5, first=1)
    few = queries()
    _tickets_with_counting_clocks(payments, 45, first=10)
    assert queries() == few == PAGE_QUERIES
