"""Escalation policies, a ticket's escalations, levels in the clocks, breach causes and metrics."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.roles import SUPPORT
from apps.measurements.models import SLISample
from apps.notifications.choices import ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.support import services
from apps.support.models import BreachCause, BreachReview, EscalationPolicy, TicketClock
from tests.conftest import api_as
from tests.factories import UserFactory

from .conftest import T0
from .test_escalations import _evaluate, _ticket

MINUTE = timedelta(minutes=1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def sue(db):
    """A support lead."""
    return UserFactory(username="sue", first_name="Sue", roles=[SUPPORT])


def test_the_desk_writes_a_policy_whose_levels_are_numbered_in_order(sue, payments, on_call):
    client = api_as(sue)

    created = client.post(
        "/api/v1/escalation-policies/",
        {
            "name": "Payments desk",
            "service": payments.pk,
            "levels": [
                {"percent": "75", "notify_assignee": True},
                {"metric": "response", "offset_minutes": -10, "channels": [on_call.pk]},
                {"offset_minutes": 60, "reassign_to": "Tier 2", "notify_team_lead": True},
            ],
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    levels = client.get(f"/api/v1/escalation-policies/{created.json()['id']}/").json()["levels"]
    assert [(lv["level"], lv["percent"], lv["offset_minutes"]) for lv in levels] == [
        (1, "75.00", None),
        (2, None, -10),
        (3, None, 60),
    ]
    assert levels[1]["channels"] == [on_call.pk] and levels[1]["metric"] == "response"
    assert levels[0]["metric"] is None


def test_a_level_with_both_a_percent_and_an_offset_is_refused(sue, payments):
    refused = api_as(sue).post(
        "/api/v1/escalation-policies/",
        {"name": "x", "service": payments.pk, "levels": [{"percent": "50", "offset_minutes": 5}]},
        format="json",
    )

    assert refused.status_code == 400
    assert "percent" in str(refused.json())
    assert not EscalationPolicy.objects.exists()


def test_a_second_policy_for_the_same_service_is_refused(sue, payments, policy):
    refused = api_as(sue).post(
        "/api/v1/escalation-policies/",
        {"name": "again", "service": payments.pk, "levels": [{"percent": "50"}]},
        format="json",
    )

    assert refused.status_code == 400
    assert "already has an escalation policy" in str(refused.json())


def test_the_ticket_shows_its_levels_when_they_fired_and_where_they_went(
    sue,
    payments,
    matrix,
    policy,
    pagerduty,
    django_capture_on_commit_callbacks,
):
    ticket = _ticket(payments)
    _evaluate(T0 + 15 * MINUTE, django_capture_on_commit_callbacks)
    client = api_as(sue)

    clocks = client.get(
        f"/api/v1/tickets/{ticket.pk}/clocks/", {"at": (T0 + 15 * MINUTE).isoformat()}
    )
    response = next(c for c in clocks.json() if c["metric"] == "response")
    assert [(lv["level"], lv["fired_at"] is not None) for lv in response["levels"]] == [
        (1, True),
        (2, True),
        (3, False),
    ]

    fired = client.get(f"/api/v1/tickets/{ticket.pk}/escalations/").json()
    assert [row["level"] for row in fired] == [1, 2]
    assert fired[0]["deliveries"] == [
        {
            "channel": None,
            "kind": "email",
            "action": "notify",
            "target": "agent@example.com",
            "status": "sent",
        }
    ]
    paged = [d for d in fired[1]["deliveries"] if d["kind"] == "pagerduty"]
    assert paged[0]["action"] == "trigger" and paged[0]["status"] == "sent"


def test_a_p1_on_a_service_with_a_spent_error_budget_also_pages_the_owning_team(
    payments,
    availability,
    slo,
    matrix,
    policy,
    pagerduty,
    payments_team,
    django_capture_on_commit_callbacks,
):
    engineering = NotificationChannel.objects.create(
        team=payments_team,
        kind=ChannelKind.PAGERDUTY,
        name="payments engineering",
        routing_key="ENGINEERING",
        events_url=f"{pagerduty.base_url}/v2/enqueue",
    )
    SLISample.objects.create(
        indicator=availability,
        start=T0 - timedelta(hours=2),
        end=T0 - timedelta(hours=1),
        good=900,
        total=1000,
    )
    ticket = _ticket(payments)

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)

    routing = [r.json()["routing_key"] for r in pagerduty.accepted("trigger")]
    assert "ENGINEERING" in routing
    clock = TicketClock.objects.get(ticket=ticket, metric="response")
    assert clock.escalations.get(position=1).actions["paged_engineering"] is True
    assert NotificationDelivery.objects.filter(channel=engineering, role="engineering").count() == 1


def test_a_p3_on_the_same_service_pages_nobody_extra(
    payments,
    availability,
    slo,
    matrix,
    policy,
    pagerduty,
    django_capture_on_commit_callbacks,
):
    SLISample.objects.create(
        indicator=availability,
        start=T0 - timedelta(hours=2),
        end=T0 - timedelta(hours=1),
        good=900,
        total=1000,
    )
    _ticket(payments, priority="P3")

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)

    assert pagerduty.requests == []


def test_a_breach_asks_for_a_cause_listed_oldest_first_and_counted_in_the_metrics(
    sue,
    payments,
    matrix,
    policy,
    pagerduty,
    django_capture_on_commit_callbacks,
):
    first = _ticket(payments, external_id="T-1")
    second = _ticket(payments, external_id="T-2", at=T0 + 5 * MINUTE)
    _evaluate(T0 + 30 * MINUTE, django_capture_on_commit_callbacks)
    understaffed = BreachCause.objects.create(name="Understaffed")
    client = api_as(sue)

    waiting = client.get("/api/v1/breaches/unanalysed/").json()
    assert [row["external_id"] for row in waiting] == ["T-1", "T-2"]
    clock = TicketClock.objects.get(ticket=first, metric="response")

    recorded = client.post(
        "/api/v1/breach-reviews/",
        {"clock": clock.pk, "cause": understaffed.pk, "note": "Two agents off sick."},
        format="json",
    )
    again = client.post(
        "/api/v1/breach-reviews/", {"clock": clock.pk, "cause": understaffed.pk}, format="json"
    )

    assert recorded.status_code == 201, recorded.json()
    assert again.status_code == 409
    assert "already has a cause" in str(again.json())
    assert BreachReview.objects.get().recorded_by == sue
    assert [row["external_id"] for row in client.get("/api/v1/breaches/unanalysed/").json()] == [
        "T-2"
    ]
    metrics = client.get("/api/v1/support-metrics/").json()["by_priority"]["P1"]
    assert metrics["breaches_by_cause"] == {"Understaffed": 1}
    assert metrics["escalations"] == 4  # levels 1 and 2 on both response clocks
    assert second.pk


def test_a_clock_that_did_not_breach_asks_for_no_cause(sue, payments, matrix):
    ticket = _ticket(payments)
    clock = TicketClock.objects.get(ticket=ticket, metric="response")
    cause = BreachCause.objects.create(name="Understaffed")

    refused = api_as(sue).post(
        "/api/v1/breach-reviews/", {"clock": clock.pk, "cause": cause.pk}, format="json"
    )

    assert refused.status_code == 409
    assert "Only a breached clock" in str(refused.json())


def test_the_breaches_page_records_a_cause(sue, client, payments, matrix):
    ticket = _ticket(payments)
    services.clocks_evaluate(now=T0 + 20 * MINUTE)
    clock = TicketClock.objects.get(ticket=ticket, metric="response")
    cause = BreachCause.objects.create(name="Waiting on engineering")
    client.force_login(sue)

    page = client.get(reverse("support:breaches"))
    assert "T-1" in page.content.decode()
    done = client.post(
        reverse("support:breaches"),
        {"clock": clock.pk, "cause": cause.pk, "note": "DB"},
        follow=True,
    )

    assert "Cause recorded for T-1" in done.content.decode()
    assert "Every breach has a cause." in done.content.decode()
    assert BreachReview.objects.get().note == "DB"
    assert Decimal("1")
