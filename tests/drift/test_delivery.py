"""Delivery: retried with backoff and logged; a failure never takes the flag with it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.core.errors import TransitionNotAllowed
from apps.drift.models import DriftEvent
from apps.drift.selectors import drifted_commitment_ids
from apps.notifications.choices import ChannelKind, DeliveryStatus
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.notifications.services import delivery_retry
from apps.notifications.tasks import deliver_notification, requeue_lost_deliveries

ALL_ATTEMPTS = settings.NOTIFICATION_MAX_RETRIES + 1


def _loosen(slo, captured):
    slo.target = Decimal("99.85")
    with captured(execute=True):
        slo.save()


@pytest.fixture
def failing_hook(payments_team, receiver):
    receiver.status = 500
    return NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.WEBHOOK, target=receiver.url("/hook")
    )


def test_a_webhook_answering_500_is_retried_then_logged_failed_and_the_flag_stays(
    signed_line, slo, failing_hook, receiver, django_capture_on_commit_callbacks
):
    _loosen(slo, django_capture_on_commit_callbacks)

    hook = NotificationDelivery.objects.get(kind=ChannelKind.WEBHOOK)
    assert hook.status == DeliveryStatus.FAILED
    assert hook.attempts == ALL_ATTEMPTS
    assert len(receiver.at("/hook")) == ALL_ATTEMPTS
    assert hook.last_error == "HTTP 500: receiver says no"
    assert drifted_commitment_ids() == {signed_line.pk}
    # The other owners heard regardless.
    assert len(mail.outbox) == 2
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_a_refused_connection_is_retried_then_logged_failed(
    signed_line, slo, payments_team, closed_port_url, django_capture_on_commit_callbacks
):
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.SLACK, target=closed_port_url
    )

    _loosen(slo, django_capture_on_commit_callbacks)

    slack = NotificationDelivery.objects.get(kind=ChannelKind.SLACK)
    assert (slack.status, slack.attempts) == (DeliveryStatus.FAILED, ALL_ATTEMPTS)
    assert slack.last_error.startswith("ConnectionError")
    assert DriftEvent.objects.filter(resolved_at__isnull=True).count() == 1


def test_a_client_error_is_not_retried(
    signed_line, slo, payments_team, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 404
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.SLACK, target=receiver.url("/slack")
    )

    _loosen(slo, django_capture_on_commit_callbacks)

    slack = NotificationDelivery.objects.get(kind=ChannelKind.SLACK)
    assert (slack.status, slack.attempts) == (DeliveryStatus.FAILED, 1)
    assert slack.last_error.startswith("HTTP 404")


def test_a_sent_delivery_is_never_sent_again(signed_line, slo, django_capture_on_commit_callbacks):
    _loosen(slo, django_capture_on_commit_callbacks)
    delivery = NotificationDelivery.objects.filter(status=DeliveryStatus.SENT).first()

    assert deliver_notification.delay(delivery.pk).get() == "skipped"

    assert len(mail.outbox) == 2
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_retrying_a_failed_delivery_sends_it_once_the_receiver_is_back(
    signed_line, slo, failing_hook, receiver, bob, django_capture_on_commit_callbacks
):
    _loosen(slo, django_capture_on_commit_callbacks)
    hook = NotificationDelivery.objects.get(kind=ChannelKind.WEBHOOK)
    receiver.status = 204

    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=hook, user=bob)

    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.SENT
    assert hook.attempts == ALL_ATTEMPTS + 1
    assert hook.sent_at is not None


def test_only_failed_deliveries_may_be_retried_and_only_by_engineering(
    signed_line, slo, bob, mallory, django_capture_on_commit_callbacks
):
    _loosen(slo, django_capture_on_commit_callbacks)
    sent = NotificationDelivery.objects.filter(status=DeliveryStatus.SENT).first()

    with pytest.raises(TransitionNotAllowed, match="Only failed deliveries"):
        delivery_retry(delivery=sent, user=bob)
    with pytest.raises(PermissionDenied):
        delivery_retry(delivery=sent, user=mallory)


def test_deliveries_whose_enqueue_was_lost_are_sent_by_the_sweeper(
    signed_line, slo, django_capture_on_commit_callbacks
):
    # Commit callbacks never run here: as if the broker was down when the flag committed.
    slo.target = Decimal("99.85")
    slo.save()
    assert NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2
    assert requeue_lost_deliveries() == 0  # too fresh: their tasks may still be on the way

    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_lost_deliveries(now=later) == 2

    assert len(mail.outbox) == 2
    assert not NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_a_deactivated_channel_gets_nothing(
    signed_line, slo, channels, receiver, django_capture_on_commit_callbacks
):
    slo.target = Decimal("99.85")
    slo.save()
    channels["slack"].active = False
    channels["slack"].save()

    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        requeue_lost_deliveries(now=later)

    slack = NotificationDelivery.objects.get(kind=ChannelKind.SLACK)
    assert (slack.status, slack.last_error) == (
        DeliveryStatus.FAILED,
        "The channel was deactivated before the notice was sent.",
    )
    assert receiver.at("/slack") == []
