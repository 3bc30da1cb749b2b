"""Drift in the admin: the event list, resolving, team channels and the delivery log."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.drift.choices import DriftKind
from apps.drift.models import DriftEvent
from apps.notifications.choices import ChannelKind, DeliveryStatus
from apps.notifications.models import NotificationChannel, NotificationDelivery
from tests.factories import CommitmentFactory

EVENTS = reverse("admin:drift_driftevent_changelist")
DELIVERIES = reverse("admin:notifications_notificationdelivery_changelist")
CHANNEL_ADD = reverse("admin:notifications_notificationchannel_add")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _events(line, count):
    return [
        DriftEvent.objects.create(
            commitment=line,
            kind=DriftKind.ATTAINMENT_BELOW,
            event_key=f"month-2026-{month:02d}-01",
            summary="Below the SLA.",
        )
        for month in range(1, count + 1)
    ]


def test_engineering_resolves_events_with_a_note_recorded_against_them(signed_line, bob):
    first, second = _events(signed_line, 2)
    client = _client(bob)
    selection = {"action": "mark_resolved", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}

    page = client.post(EVENTS, selection)
    assert "How was it dealt with?" in page.content.decode()
    done = client.post(
        EVENTS, {**selection, "apply": "yes", "comment": "SLO tightened back."}, follow=True
    )

    assert "2 drift events resolved." in done.content.decode()
    for event in (first, second):
        event.refresh_from_db()
        assert (event.resolved_by, event.resolution_note) == (bob, "SLO tightened back.")


def test_an_event_already_resolved_is_reported_not_resolved_again(signed_line, bob, dave):
    [event] = _events(signed_line, 1)
    from apps.drift.services import drift_event_resolve

    drift_event_resolve(event=event, user=dave, note="Accepted.")
    done = _client(bob).post(
        EVENTS,
        {"action": "mark_resolved", ACTION_CHECKBOX_NAME: [event.pk], "apply": "yes"},
        follow=True,
    )

    assert "already resolved" in done.content.decode()
    event.refresh_from_db()
    assert event.resolved_by == dave


def test_sales_cannot_open_the_drift_admin(signed_line, alice):
    alice.is_staff = True
    alice.save()

    assert _client(alice).get(EVENTS).status_code == 403


def test_the_event_list_costs_the_same_for_2_and_20_events(signed_line, bob, signed_contract):
    client = _client(bob)
    _events(signed_line, 2)
    client.get(EVENTS)  # warm the session and content types

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(EVENTS)
        assert response.status_code == 200
        return len(queries)

    few = count()
    for _ in range(6):
        line = CommitmentFactory(
            contract=signed_contract, indicator=signed_line.indicator, target="99.5"
        )
        _events(line, 3)
    assert DriftEvent.objects.count() == 20
    assert count() == few
    assert "DRIFTED" in client.get(f"{EVENTS}?resolved=no").content.decode()


def test_engineering_adds_a_signed_webhook_for_its_team_and_gets_a_secret(bob, payments_team):
    response = _client(bob).post(
        CHANNEL_ADD,
        {
            "team": payments_team.pk,
            "kind": ChannelKind.WEBHOOK,
            "name": "Incident bot",
            "target": "https://hooks.example.com/covenant",
            "secret": "",
            "active": "on",
        },
    )

    assert response.status_code == 302
    channel = NotificationChannel.objects.get()
    assert len(channel.secret) == 64


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        (ChannelKind.EMAIL, "not-an-address", "Enter a valid email address."),
        (ChannelKind.SLACK, "ftp://hooks.example.com/x", "Enter a valid http(s) URL."),
    ],
)
def test_a_channel_with_a_bad_target_is_refused_naming_the_field(
    bob, payments_team, kind, target, message
):
    response = _client(bob).post(
        CHANNEL_ADD, {"team": payments_team.pk, "kind": kind, "target": target, "active": "on"}
    )

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["target"])
    assert not NotificationChannel.objects.exists()


def test_engineers_may_pick_only_their_own_teams_for_a_channel(erin, payments_team):
    response = _client(erin).post(
        CHANNEL_ADD,
        {"team": payments_team.pk, "kind": ChannelKind.EMAIL, "target": "x@example.com"},
    )

    assert "team" in response.context["adminform"].form.errors
    assert not NotificationChannel.objects.exists()


def test_the_retry_action_sends_failed_deliveries_again(
    signed_line, slo, bob, payments_team, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 503
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.SLACK, target=receiver.url("/slack")
    )
    slo.target = Decimal("99.85")
    with django_capture_on_commit_callbacks(execute=True):
        slo.save()
    failed = NotificationDelivery.objects.get(status=DeliveryStatus.FAILED)
    receiver.status = 200

    with django_capture_on_commit_callbacks(execute=True):
        done = _client(bob).post(
            DELIVERIES, {"action": "retry", ACTION_CHECKBOX_NAME: [failed.pk]}, follow=True
        )

    assert "1 deliveries queued again." in done.content.decode()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.SENT


def test_only_the_owning_team_sees_a_webhook_secret(bob, erin, dave, payments_team):
    channel = NotificationChannel.objects.create(
        team=payments_team, kind="webhook", target="https://hooks.example.com/x", secret="s3cr3t-x"
    )
    url = reverse("admin:notifications_notificationchannel_change", args=[channel.pk])
    assert "s3cr3t-x" in _client(bob).get(url).content.decode()
    for reader in (erin, dave):
        page = _client(reader).get(url)
        assert page.status_code == 200
        assert "s3cr3t-x" not in page.content.decode()
