"""Levels on business-hours calendars fire inside hours, unless a level may fire outside them.

The P2 response clock runs on the London office calendar (09:00–17:00 on weekdays; GMT in
March): a P2 created on Monday at 15:00 is due at 16:00.
"""

from datetime import timedelta

import pytest
from django.core import mail

from apps.support import services
from apps.support.models import Escalation, EscalationLevel, EscalationPolicy

from .conftest import T0

MONDAY_1500 = T0 + timedelta(hours=6)
MONDAY_1900 = T0 + timedelta(hours=10)
TUESDAY_0900 = T0 + timedelta(days=1)


def _policy(payments, **level):
    policy = EscalationPolicy.objects.create(
        name="Payments desk", service=payments, lead_email="lead@example.com"
    )
    return EscalationLevel.objects.create(
        policy=policy, position=1, metric="response", notify_team_lead=True, **level
    )


def _p2(payments, at=MONDAY_1500):
    ticket = services.ticket_create(
        source="api",
        external_id="T-2",
        service=payments,
        priority="P2",
        created_at=at,
        subject="Refunds stuck",
        now=at,
    )
    return Escalation.objects.get(clock__ticket=ticket, clock__metric="response")


def _evaluate(at, callbacks):
    with callbacks(execute=True):
        services.clocks_evaluate(now=at)


@pytest.mark.django_db
def test_a_level_after_the_due_counts_business_minutes_and_lands_inside_hours(
    payments, p2_response
):
    _policy(payments, offset_minutes=180)

    escalation = _p2(payments)

    # 16:00 due + 3 business hours: one on Monday, two on Tuesday.
    assert escalation.at == TUESDAY_0900 + timedelta(hours=2)


@pytest.mark.django_db
def test_a_level_that_may_fire_outside_hours_fires_at_1900_on_monday(
    payments, p2_response, django_capture_on_commit_callbacks
):
    _policy(payments, offset_minutes=180, fire_outside_hours=True)
    escalation = _p2(payments)
    assert escalation.at == MONDAY_1900

    _evaluate(MONDAY_1900, django_capture_on_commit_callbacks)

    escalation.refresh_from_db()
    assert escalation.fired_at == MONDAY_1900
    assert [m.to for m in mail.outbox] == [["lead@example.com"]]


@pytest.mark.django_db
def test_a_level_due_at_1900_that_may_not_fire_outside_hours_fires_at_0900_next_day(
    payments, p2_response, django_capture_on_commit_callbacks
):
    level = _policy(payments, offset_minutes=180, fire_outside_hours=True)
    escalation = _p2(payments)
    assert escalation.at == MONDAY_1900
    # The flag is taken off before the level fires (its instant is moved at the next
    # recomputation of the ticket's clocks, which has not happened yet).
    level.fire_outside_hours = False
    level.save()

    _evaluate(MONDAY_1900, django_capture_on_commit_callbacks)
    escalation.refresh_from_db()
    assert (escalation.fired_at, escalation.at) == (None, TUESDAY_0900)
    escalation.clock.refresh_from_db()
    assert escalation.clock.next_at == TUESDAY_0900

    _evaluate(MONDAY_1900 + timedelta(hours=4), django_capture_on_commit_callbacks)
    assert mail.outbox == []

    _evaluate(TUESDAY_0900, django_capture_on_commit_callbacks)
    escalation.refresh_from_db()
    assert escalation.fired_at == TUESDAY_0900
    assert [m.to for m in mail.outbox] == [["lead@example.com"]]


@pytest.mark.django_db
def test_a_level_found_overdue_after_hours_waits_for_the_opening(
    payments, p2_response, django_capture_on_commit_callbacks
):
    _policy(payments, offset_minutes=30)
    escalation = _p2(payments)
    assert escalation.at == MONDAY_1500 + timedelta(minutes=90)

    # No evaluation ran between 16:30 and 19:00 (the workers were down).
    _evaluate(MONDAY_1900, django_capture_on_commit_callbacks)
    escalation.refresh_from_db()
    assert (escalation.fired_at, escalation.at) == (None, TUESDAY_0900)

    _evaluate(TUESDAY_0900 + timedelta(minutes=1), django_capture_on_commit_callbacks)
    escalation.refresh_from_db()
    assert escalation.fired_at == TUESDAY_0900 + timedelta(minutes=1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_flag_is_written_and_read_through_the_api(payments, admin_client):
    answer = admin_client.post(
        "/api/v1/escalation-policies/",
        {
            "name": "Payments desk",
            "service": payments.pk,
            "levels": [
                {"offset_minutes": 60, "fire_outside_hours": True},
                {"percent": "75"},
            ],
        },
        content_type="application/json",
    )

    assert answer.status_code == 201, answer.json()
    assert [level["fire_outside_hours"] for level in answer.json()["levels"]] == [True, False]
    assert list(
        EscalationLevel.objects.order_by("position").values_list("fire_outside_hours", flat=True)
    ) == [True, False]
