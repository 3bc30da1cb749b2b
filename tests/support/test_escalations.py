"""Escalation levels on the clocks: placed, fired once each, paged and resolved."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from apps.notifications.choices import DeliveryAction, DeliveryStatus
from apps.notifications.models import NotificationDelivery
from apps.support import services
from apps.support.models import Escalation, EscalationLevel, EscalationPolicy, TicketClock
from apps.support.services import escalations as escalation_services

from .conftest import T0

MINUTE = timedelta(minutes=1)


def _ticket(payments, *, at=T0, external_id="T-1", priority="P1"):
    return services.ticket_create(
        source="api",
        external_id=external_id,
        service=payments,
        priority=priority,
        created_at=at,
        assignee="agent@example.com",
        subject="Card payments fail",
        now=at,
    )


def _response_clock(ticket):
    return TicketClock.objects.get(ticket=ticket, metric="response")


def _evaluate(at, callbacks):
    with callbacks(execute=True):
        return services.clocks_evaluate(now=at)


@pytest.mark.django_db
def test_the_next_instant_is_the_earliest_unfired_level_then_the_due_then_the_late_level(
    payments, matrix, policy, django_capture_on_commit_callbacks
):
    ticket = _ticket(payments)
    clock = _response_clock(ticket)
    assert [(e.position, e.at) for e in clock.escalations.order_by("position")] == [
        (1, T0 + 7.5 * MINUTE),
        (2, T0 + 15 * MINUTE),
        (3, T0 + 75 * MINUTE),
    ]
    assert clock.next_at == T0 + 7.5 * MINUTE

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)
    clock.refresh_from_db()
    assert clock.next_at == T0 + 15 * MINUTE

    assert _evaluate(T0 + 16 * MINUTE, django_capture_on_commit_callbacks) == 1
    clock.refresh_from_db()
    assert (clock.state, clock.next_at) == ("breached", T0 + 75 * MINUTE)


@pytest.mark.django_db
def test_each_level_fires_once_notifies_pages_and_reassigns_then_the_reply_resolves_the_page(
    payments, matrix, policy, pagerduty, django_capture_on_commit_callbacks
):
    ticket = _ticket(payments)
    clock = _response_clock(ticket)

    for minute in (8, 8, 9):
        _evaluate(T0 + minute * MINUTE, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["agent@example.com"]]
    assert "escalation level 1" in mail.outbox[0].subject

    _evaluate(T0 + 15 * MINUTE, django_capture_on_commit_callbacks)
    _evaluate(T0 + 16 * MINUTE, django_capture_on_commit_callbacks)
    key = f"covenant-clock-{clock.pk}"
    assert pagerduty.alerts == {key: ["trigger"]}
    assert [m.to for m in mail.outbox[1:]] == [["lead@example.com"]]

    _evaluate(T0 + 76 * MINUTE, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.assignee == "Tier 2"
    assert ticket.events.filter(type="assigned", event_id__startswith="escalation-").count() == 1
    fired = list(Escalation.objects.filter(clock=clock).order_by("position"))
    assert [e.fired_at for e in fired] == [T0 + 8 * MINUTE, T0 + 15 * MINUTE, T0 + 76 * MINUTE]
    assert fired[2].actions["reassigned_to"] == "Tier 2"
    assert fired[1].actions["channels"] == [policy.levels.get(position=2).channels.get().pk]

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_event_add(
            ticket=ticket, type="public_reply", at=T0 + 80 * MINUTE, now=T0 + 80 * MINUTE
        )
    with django_capture_on_commit_callbacks(execute=True):  # a later recompute sends nothing more
        services.ticket_event_add(
            ticket=ticket, type="comment", at=T0 + 81 * MINUTE, value="x", now=T0 + 81 * MINUTE
        )

    assert pagerduty.alerts == {key: ["trigger", "resolve"]}
    assert len(pagerduty.accepted("trigger")) == 1
    assert len(pagerduty.accepted("resolve")) == 1
    assert not NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()


@pytest.mark.django_db
def test_a_level_found_overdue_fires_at_once(
    payments, matrix, policy, django_capture_on_commit_callbacks
):
    _ticket(payments)

    # The evaluation ran late: levels 1 and 2 fall due together, each fires once.
    _evaluate(T0 + 40 * MINUTE, django_capture_on_commit_callbacks)

    assert list(
        Escalation.objects.filter(fired_at__isnull=False).values_list("position", flat=True)
    ) == [1, 2]
    assert Escalation.objects.filter(fired_at=T0 + 40 * MINUTE).count() == 2


@pytest.mark.django_db
def test_a_worker_that_dies_while_firing_leaves_the_level_to_the_next_evaluation(
    payments, matrix, policy, monkeypatch, django_capture_on_commit_callbacks
):
    _ticket(payments)
    real = escalation_services.deliveries_queue

    def dies(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(escalation_services, "deliveries_queue", dies)
    with pytest.raises(RuntimeError):
        _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)
    assert not Escalation.objects.filter(fired_at__isnull=False).exists()
    assert not NotificationDelivery.objects.exists()

    monkeypatch.setattr(escalation_services, "deliveries_queue", real)
    _evaluate(T0 + 9 * MINUTE, django_capture_on_commit_callbacks)

    assert Escalation.objects.get(position=1).fired_at == T0 + 9 * MINUTE
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_contract_policy_replaces_the_service_policy_on_its_tickets(
    payments, matrix, policy, contract
):
    own = EscalationPolicy.objects.create(name="ACME gold", service=payments, contract=contract)
    EscalationLevel.objects.create(policy=own, position=1, percent=Decimal("90"))

    ticket = services.ticket_create(
        source="api",
        external_id="T-2",
        service=payments,
        priority="P1",
        created_at=T0,
        contract=contract,
        now=T0,
    )

    levels = Escalation.objects.filter(clock__ticket=ticket)
    assert {e.level.policy_id for e in levels} == {own.pk}
    response = levels.get(clock__metric="response")
    assert response.at == T0 + timedelta(seconds=810)


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_evaluations_fire_each_level_once(payments, matrix, policy, pagerduty):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's")
    for number in range(20):
        _ticket(payments, external_id=f"T-{number}")
    barrier = threading.Barrier(2)
    errors = []

    def evaluate():
        try:
            barrier.wait()
            services.clocks_evaluate(now=T0 + 16 * MINUTE)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Escalation.objects.filter(fired_at__isnull=False).count() == 40  # levels 1 and 2
    # One trigger per clock: 20 alerts, never a second one.
    assert NotificationDelivery.objects.filter(action=DeliveryAction.TRIGGER).count() == 20
    assert len(pagerduty.accepted("trigger")) == 20
    assert pagerduty.opened() == 20


@pytest.mark.django_db
def test_a_level_that_fired_stays_fired_when_its_policy_is_written_again_without_ids(
    payments, matrix, policy, django_capture_on_commit_callbacks
):
    from apps.support.services.escalation_policies import escalation_policy_update
    from tests.factories import UserFactory

    _ticket(payments)
    _evaluate(T0 + 9 * MINUTE, django_capture_on_commit_callbacks)
    fired = Escalation.objects.get(fired_at__isnull=False)
    levels_before = list(policy.levels.order_by("position").values_list("pk", flat=True))

    # As the API writes a policy: its levels whole, in order, without ids; level 1 now at 60 %.
    escalation_policy_update(
        policy=policy,
        user=UserFactory(),
        levels=[
            {"metric": "response", "percent": Decimal("60"), "notify_assignee": True},
            {"metric": "response", "offset_minutes": 0, "notify_team_lead": True},
            {"metric": "response", "offset_minutes": 60},
        ],
    )

    levels = list(policy.levels.order_by("position"))
    assert [level.pk for level in levels] == levels_before
    assert (levels[0].percent, levels[2].reassign_to) == (Decimal("60"), "")
    assert list(levels[1].channels.all()) == []
    assert Escalation.objects.get(pk=fired.pk).fired_at == T0 + 9 * MINUTE
