"""Ticket services: creation, events (idempotent, validated), clocks stored, samples fed."""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.measurements.models import SLISample
from apps.support import services
from apps.support.models import Ticket, TicketClock, TicketEvent
from tests.factories import CommitmentFactory, ContractFactory

from .conftest import T0

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
NOW = T0 + 10 * HOUR


def create(payments, external_id="T-1", priority="P1", at=T0, **fields):
    return services.ticket_create(
        source="api",
        external_id=external_id,
        service=payments,
        priority=priority,
        created_at=at,
        now=NOW,
        **fields,
    )


def add(ticket, type, at, value=None, event_id=""):
    return services.ticket_event_add(
        ticket=ticket, type=type, at=at, value=value, event_id=event_id, now=NOW
    )


def clocks(ticket):
    return {
        (c.metric, c.priority, c.cycle): c
        for c in TicketClock.objects.filter(ticket=ticket).select_related("indicator")
    }


def test_creating_a_ticket_logs_its_creation_and_starts_its_priority_clocks(payments, matrix):
    ticket = create(payments, assignee="agent@example.com")
    assert list(ticket.events.values_list("type", "value")) == [
        ("created", {"priority": "P1", "status": "open"}),
        ("assigned", "agent@example.com"),
    ]
    stored = clocks(ticket)
    assert set(stored) == {("response", "P1", 1), ("resolution", "P1", 1)}
    response = stored[("response", "P1", 1)]
    # As of NOW, ten hours later, nobody answered: the response is past due.
    assert (response.state, response.breached, response.due_at) == (
        "breached",
        True,
        T0 + 15 * MINUTE,
    )
    assert response.next_at is None


def test_a_reply_stops_the_response_clock_and_feeds_its_hourly_sample(payments, matrix):
    ticket = create(payments)
    result = add(ticket, "public_reply", T0 + 10 * MINUTE, event_id="r1")
    assert not result.duplicate
    response = clocks(ticket)[("response", "P1", 1)]
    assert (response.state, response.stopped_at) == ("met", T0 + 10 * MINUTE)
    sample = SLISample.objects.get(indicator=matrix[("P1", "response")])
    assert (sample.start, sample.end, sample.good, sample.total) == (T0, T0 + HOUR, 1, 1)


def test_the_same_event_twice_is_a_duplicate_and_writes_nothing(payments, matrix):
    ticket = create(payments)
    first = add(ticket, "status", T0 + HOUR, "pending_customer", event_id="e-7")
    again = add(ticket, "status", T0 + HOUR, "pending_customer", event_id="e-7")
    assert again.duplicate and again.event.pk == first.event.pk
    assert ticket.events.count() == 2


def test_an_event_id_reused_for_other_content_is_refused_naming_event_id(payments, matrix):
    ticket = create(payments)
    add(ticket, "status", T0 + HOUR, "pending_customer", event_id="e-7")
    with pytest.raises(ValidationError) as error:
        add(ticket, "status", T0 + HOUR, "on_hold", event_id="e-7")
    assert "event_id" in error.value.message_dict
    assert ticket.events.count() == 2


@pytest.mark.parametrize(
    ("type", "at", "value", "field"),
    [
        ("status", T0 + HOUR, "waiting", "value"),
        ("priority", T0 + HOUR, "P9", "value"),
        ("escalated", T0 + HOUR, None, "type"),
        ("status", T0 - MINUTE, "solved", "at"),
        ("public_reply", NOW + HOUR, None, "at"),
    ],
)
def test_bad_events_are_refused_naming_the_field_and_write_nothing(
    payments, matrix, type, at, value, field
):
    ticket = create(payments)
    before = list(TicketClock.objects.values_list("id", "state", "computed_at"))
    with pytest.raises(ValidationError) as error:
        add(ticket, type, at, value)
    assert field in error.value.message_dict
    assert ticket.events.count() == 1
    assert list(TicketClock.objects.values_list("id", "state", "computed_at")) == before


def test_bad_ticket_creation_names_the_field(payments, matrix):
    for fields, field in [({"priority": "P7"}, "priority"), ({"status": "new"}, "status")]:
        with pytest.raises(ValidationError) as error:
            create(payments, **fields)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        create(payments, at=NOW + HOUR)
    assert "created_at" in error.value.message_dict
    assert not Ticket.objects.exists()


def test_a_late_event_corrects_the_clocks_and_the_samples(payments, matrix):
    ticket = create(payments)
    add(ticket, "status", T0 + 3 * HOUR, "solved", event_id="solve")
    resolution = clocks(ticket)[("resolution", "P1", 1)]
    assert resolution.state == "met"
    # The pause arrives late: the ticket waited on the customer for an hour before.
    add(ticket, "status", T0 + HOUR, "pending_customer", event_id="hold")
    add(ticket, "status", T0 + 2 * HOUR, "open", event_id="back")
    resolution = clocks(ticket)[("resolution", "P1", 1)]
    assert (resolution.business_elapsed_seconds, resolution.paused_seconds) == (7200, 3600)
    response = clocks(ticket)[("response", "P1", 1)]
    assert (response.state, response.stopped_at) == ("breached", T0 + 3 * HOUR)
    samples = dict(
        SLISample.objects.filter(indicator__in=[matrix[("P1", "response")]]).values_list(
            "start", "total"
        )
    )
    assert samples == {T0 + 3 * HOUR: 1}


def test_a_reopened_ticket_moves_its_sample_out_of_the_old_hour(payments, matrix):
    ticket = create(payments)
    add(ticket, "public_reply", T0 + 5 * MINUTE)
    add(ticket, "status", T0 + HOUR, "solved")
    indicator = matrix[("P1", "resolution")]
    assert SLISample.objects.get(indicator=indicator, start=T0 + HOUR).total == 1
    add(ticket, "status", T0 + 2 * HOUR, "open")
    add(ticket, "status", T0 + 3 * HOUR + 30 * MINUTE, "solved")
    counts = dict(SLISample.objects.filter(indicator=indicator).values_list("start", "total"))
    assert counts == {T0 + HOUR: 0, T0 + 3 * HOUR: 1}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopens) == ("solved", 1)
    assert (ticket.first_resolution_seconds, ticket.full_resolution_seconds) == (3600, 12600)


def test_priority_change_cancels_old_clocks_and_starts_new_ones(payments, matrix):
    ticket = create(payments, priority="P2")
    add(ticket, "priority", T0 + 30 * MINUTE, "P1")
    stored = clocks(ticket)
    assert stored[("response", "P2", 1)].state == "cancelled"
    assert stored[("resolution", "P2", 1)].state == "cancelled"
    assert stored[("resolution", "P1", 1)].started_at == T0
    ticket.refresh_from_db()
    assert ticket.priority == "P1"


def test_business_hours_clocks_follow_the_contracts_support_calendar(payments, matrix, acme, alice):
    from apps.calendars.models import Calendar

    new_york = Calendar.objects.create(
        name="New York office",
        timezone="America/New_York",
        hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    contract = ContractFactory(
        customer=acme,
        owner=alice,
        status="signed",
        start_date=T0.date() - timedelta(days=30),
        support_calendar=new_york,
    )
    CommitmentFactory(contract=contract, indicator=matrix[("P2", "response")])
    ticket = create(payments, priority="P2", customer=acme)
    assert ticket.contract == contract
    response = clocks(ticket)[("response", "P2", 1)]
    # 09:00 UTC is 04:00 in New York: the hour starts at its 09:00, 14:00 UTC.
    assert response.due_at == T0 + 6 * HOUR


def test_bulk_ingestion_creates_tickets_counts_duplicates_and_recomputes_once(payments, matrix):
    events = [
        {
            "source": "zendesk",
            "external_id": "42",
            "event_id": "1",
            "at": T0.isoformat(),
            "type": "created",
            "value": {"service": "payments-api", "priority": "P1"},
        },
        {
            "source": "zendesk",
            "external_id": "42",
            "event_id": "2",
            "at": (T0 + 5 * MINUTE).isoformat(),
            "type": "public_reply",
        },
        {
            "source": "zendesk",
            "external_id": "42",
            "event_id": "3",
            "at": (T0 + HOUR).isoformat(),
            "type": "status",
            "value": "solved",
        },
    ]
    result = services.ticket_events_ingest(events=events, now=NOW)
    assert result == (3, 0)
    again = services.ticket_events_ingest(events=events, now=NOW)
    assert again == (0, 3)
    ticket = Ticket.objects.get(source="zendesk", external_id="42")
    assert ticket.status == "solved"
    assert [c.state for c in clocks(ticket).values()] == ["met", "met"]
    assert TicketEvent.objects.count() == 3


def test_bulk_ingestion_is_all_or_nothing_with_errors_by_row(payments, matrix):
    events = [
        {
            "source": "zendesk",
            "external_id": "42",
            "at": T0.isoformat(),
            "type": "created",
            "value": {"service": "payments-api", "priority": "P1"},
        },
        {
            "source": "zendesk",
            "external_id": "42",
            "at": (T0 + HOUR).isoformat(),
            "type": "status",
            "value": "waiting",
        },
        {
            "source": "zendesk",
            "external_id": "43",
            "at": (T0 + HOUR).isoformat(),
            "type": "status",
            "value": "open",
        },
    ]
    with pytest.raises(services.EventsInvalid) as error:
        services.ticket_events_ingest(events=events, now=NOW)
    assert error.value.as_response()["rows"] == {
        "1": {"value": [error.value.rows[1]["value"][0]]},
        "2": {"external_id": ["Unknown ticket: send its created event."]},
    }
    assert "waiting" in error.value.rows[1]["value"][0]
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_any_arrival_order_stores_the_same_clocks_and_samples(payments, matrix):
    def log(external_id):
        steps = [
            (0, "created", {"service": "payments-api", "priority": "P2"}),
            (20, "public_reply", None),
            (40, "status", "on_hold"),
            (100, "status", "open"),
            (130, "priority", "P1"),
            (170, "status", "solved"),
            (200, "status", "open"),
            (260, "status", "closed"),
        ]
        return [
            {
                "source": "csv",
                "external_id": external_id,
                "event_id": f"{external_id}-{n}",
                "at": (T0 + minutes * MINUTE).isoformat(),
                "type": type,
                "value": value,
            }
            for n, (minutes, type, value) in enumerate(steps)
        ]

    def readings(external_id):
        ticket = Ticket.objects.get(external_id=external_id)
        return [
            (
                c.indicator_id,
                c.cycle,
                c.state,
                c.started_at,
                c.due_at,
                c.stopped_at,
                c.business_elapsed_seconds,
                c.paused_seconds,
            )
            for c in ticket.clocks.order_by("indicator_id", "cycle")
        ]

    services.ticket_events_ingest(events=log("in-order"), now=NOW)
    shuffled = log("shuffled")
    creation, rest = shuffled[0], shuffled[1:]
    random.Random(7).shuffle(rest)
    services.ticket_events_ingest(events=[creation], now=NOW)
    for event in rest:
        services.ticket_events_ingest(events=[event], now=NOW)
    assert readings("in-order") == readings("shuffled")
    assert all(s.total % 2 == 0 for s in SLISample.objects.all())


def test_evaluation_with_nothing_due_costs_two_queries(payments, matrix, django_assert_num_queries):
    create(payments)
    # One probe of the levels falling due, one UPDATE of the clocks past their due.
    with django_assert_num_queries(2):
        assert services.clocks_evaluate(now=T0) == 0


def test_evaluation_breaches_running_clocks_past_their_due_once(payments, matrix):
    ticket = services.ticket_create(
        source="api", external_id="T-9", service=payments, priority="P1", created_at=T0, now=T0
    )
    response = clocks(ticket)[("response", "P1", 1)]
    assert (response.state, response.next_at) == ("running", T0 + 15 * MINUTE)
    assert services.clocks_evaluate(now=T0 + 15 * MINUTE) == 0
    assert services.clocks_evaluate(now=T0 + 16 * MINUTE) == 1
    assert services.clocks_evaluate(now=T0 + 17 * MINUTE) == 0
    response.refresh_from_db()
    assert (response.state, response.breached, response.next_at) == ("breached", True, None)
