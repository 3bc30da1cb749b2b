"""PagerDuty and Opsgenie deliveries against receivers that keep the vendors' contracts."""

import pytest
from django.conf import settings

from apps.notifications.choices import ChannelKind, DeliveryAction, DeliveryStatus
from apps.notifications.delivery import retry_countdown
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.notifications.services import deliveries_queue

pytestmark = pytest.mark.django_db

ALERT = "covenant-clock-41"


def _page(channel, action, *, suffix=""):
    return NotificationDelivery(
        channel=channel,
        kind=channel.kind,
        action=action,
        target=channel.address,
        role="team channel",
        dedup_key=f"{ALERT}:{action}:{channel.pk}{suffix}",
        alert_key=ALERT,
        subject="P1 response due in 10 minutes: ACME-7",
        text="The ticket ACME-7 is at 75 % of its response target.",
        payload={"ticket": "ACME-7", "severity": "critical"},
    )


@pytest.fixture
def pagerduty_channel(payments_team, pagerduty):
    return NotificationChannel.objects.create(
        team=payments_team,
        kind=ChannelKind.PAGERDUTY,
        routing_key="R0UTINGKEY",
        events_url=f"{pagerduty.base_url}/v2/enqueue",
    )


@pytest.fixture
def opsgenie_channel(payments_team, opsgenie):
    return NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.OPSGENIE, api_key="genie", api_url=opsgenie.base_url
    )


def test_pagerduty_answering_500_then_429_gets_exactly_one_alert_then_one_resolve(
    pagerduty_channel, pagerduty, django_capture_on_commit_callbacks
):
    pagerduty.faults = [500, 429]

    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[_page(pagerduty_channel, DeliveryAction.TRIGGER)])
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[_page(pagerduty_channel, DeliveryAction.TRIGGER)])  # again

    trigger = NotificationDelivery.objects.get(action=DeliveryAction.TRIGGER)
    assert (trigger.status, trigger.attempts, trigger.response_status) == (
        DeliveryStatus.SENT,
        3,
        202,
    )
    assert '"message": "Event processed"' in trigger.response_body
    assert [r.answered for r in pagerduty.requests] == [500, 429, 202]
    event = pagerduty.requests[-1].json()
    assert (event["event_action"], event["dedup_key"], event["routing_key"]) == (
        "trigger",
        ALERT,
        "R0UTINGKEY",
    )
    assert event["payload"]["severity"] == "critical"

    pagerduty.faults = [429]
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[_page(pagerduty_channel, DeliveryAction.RESOLVE)])

    assert pagerduty.alerts == {ALERT: ["trigger", "resolve"]}
    assert pagerduty.open_alerts == set()
    assert len(pagerduty.accepted("trigger")) == 1
    assert len(pagerduty.accepted("resolve")) == 1


def test_opsgenie_answering_500_then_429_gets_exactly_one_alert_then_one_close(
    opsgenie_channel, opsgenie, django_capture_on_commit_callbacks
):
    opsgenie.faults = [500, 429]

    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[_page(opsgenie_channel, DeliveryAction.TRIGGER)])
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[_page(opsgenie_channel, DeliveryAction.RESOLVE)])

    assert opsgenie.alerts == {ALERT: ["trigger", "resolve"]}
    create, close = opsgenie.accepted("create"), opsgenie.accepted("close")
    assert len(create) == 1 and len(close) == 1
    assert create[0].headers["Authorization"] == "GenieKey genie"
    assert create[0].json()["alias"] == ALERT
    assert close[0].path == f"/v2/alerts/{ALERT}/close"
    assert close[0].query == {"identifierType": ["alias"]}
    sent = NotificationDelivery.objects.get(action=DeliveryAction.TRIGGER)
    assert sent.attempts == 3
    assert '"result": "Request will be processed"' in sent.response_body


def test_a_pagerduty_event_the_receiver_calls_invalid_is_not_retried(
    pagerduty_channel, pagerduty, django_capture_on_commit_callbacks
):
    pagerduty_channel.routing_key = ""
    pagerduty_channel.save()
    delivery = _page(pagerduty_channel, DeliveryAction.TRIGGER)
    delivery.subject = ""
    delivery.alert_key = ""

    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[delivery])

    failed = NotificationDelivery.objects.get()
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 1)
    assert failed.last_error == "The PagerDuty channel has no routing key."
    assert pagerduty.requests == []


def test_opsgenie_refuses_a_wrong_key_and_the_delivery_logs_its_answer(
    opsgenie_channel, opsgenie, django_capture_on_commit_callbacks
):
    opsgenie_channel.api_key = " "
    opsgenie_channel.save()

    with django_capture_on_commit_callbacks(execute=True):
        deliveries_queue(deliveries=[_page(opsgenie_channel, DeliveryAction.TRIGGER)])

    failed = NotificationDelivery.objects.get()
    assert (failed.status, failed.response_status) == (DeliveryStatus.FAILED, 401)
    assert failed.last_error.startswith('HTTP 401: {"message": "Could not authenticate"')


def test_a_retry_waits_at_least_as_long_as_retry_after():
    assert retry_countdown(0, retry_after=120) >= 120
    assert retry_countdown(0, retry_after=10**6) == settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS
