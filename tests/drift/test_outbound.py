"""Webhook URLs reach public addresses only (no SSRF), unless an administrator allows the host:
refused when the channel is saved, and again when a notice is sent."""

import logging
import socket
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.outbound import OutboundURLRefused, check_outbound_url, outbound_session
from apps.notifications.choices import ChannelKind, DeliveryStatus
from apps.notifications.models import NotificationChannel, NotificationDelivery

INTERNAL = [
    ("http://127.0.0.1:8000/hook", "127.0.0.1, a loopback address"),
    ("http://localhost/hook", "127.0.0.1, a loopback address"),
    ("http://[::1]/hook", "::1, a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
    ("http://10.1.2.3/hook", "10.1.2.3, a private address"),
    ("http://192.168.0.10/hook", "192.168.0.10, a private address"),
    ("http://[::ffff:10.0.0.1]/hook", "10.0.0.1, a private address"),
    ("http://0.0.0.0/hook", "0.0.0.0, a"),
    ("http://100.64.0.1/hook", "100.64.0.1, a not public address"),
]


@pytest.mark.parametrize(("url", "why"), INTERNAL)
def test_internal_addresses_are_refused(url, why):
    with pytest.raises(OutboundURLRefused, match="NOTIFICATION_ALLOWED_HOSTS") as refused:
        check_outbound_url(url)

    assert why in str(refused.value)


def test_a_public_address_passes():
    check_outbound_url("https://93.184.215.14/hook")


def test_an_allowed_host_passes_whatever_it_resolves_to(settings):
    settings.NOTIFICATION_ALLOWED_HOSTS = ["LocalHost", "10.1.2.3"]

    check_outbound_url("http://localhost:8000/hook")
    check_outbound_url("http://10.1.2.3/hook")


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ],
    )

    with pytest.raises(OutboundURLRefused, match=r"resolves to 10\.0\.0\.7, a private address"):
        check_outbound_url("https://hooks.example.com/x")


@pytest.mark.parametrize("kind", [ChannelKind.SLACK, ChannelKind.WEBHOOK])
@pytest.mark.parametrize(("url", "why"), INTERNAL[:5])
def test_a_channel_to_an_internal_address_is_refused_at_save(payments_team, kind, url, why):
    channel = NotificationChannel(team=payments_team, kind=kind, target=url)

    with pytest.raises(ValidationError) as refused:
        channel.full_clean()

    assert why in refused.value.message_dict["target"][0]


def test_a_channel_to_an_allowed_host_is_saved(payments_team, settings):
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    channel = NotificationChannel(
        team=payments_team, kind=ChannelKind.SLACK, target="http://127.0.0.1:9/slack"
    )

    channel.full_clean()


def test_the_admin_refuses_an_internal_webhook_naming_the_field(bob, payments_team):
    from .test_admin import CHANNEL_ADD, _client

    response = _client(bob).post(
        CHANNEL_ADD,
        {
            "team": payments_team.pk,
            "kind": ChannelKind.WEBHOOK,
            "target": "http://169.254.169.254/latest/meta-data/",
            "active": "on",
        },
    )

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["target"])
    assert "169.254.169.254, a link-local address" in errors
    assert not NotificationChannel.objects.exists()


def test_delivery_to_a_loopback_channel_is_refused_and_logged_failed(
    signed_line, slo, payments_team, receiver, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_ALLOWED_HOSTS = []  # saved before the host was taken off the list
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.SLACK, target=receiver.url("/slack")
    )
    slo.target = Decimal("99.85")

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        slo.save()

    delivery = NotificationDelivery.objects.get(kind=ChannelKind.SLACK)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1  # refused for good: not retried
    assert "127.0.0.1, a loopback address" in delivery.last_error
    assert receiver.requests == []
    assert "giving up" in caplog.text


def test_delivery_resolves_the_name_again(
    signed_line, slo, payments_team, monkeypatch, django_capture_on_commit_callbacks
):
    # Saved while the name did not resolve; by the time of sending it points inside.
    channel = NotificationChannel(
        team=payments_team, kind=ChannelKind.WEBHOOK, target="https://hooks.example.com/x"
    )
    channel.full_clean()
    channel.save()
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.8.7", port))],
    )
    slo.target = Decimal("99.85")

    with django_capture_on_commit_callbacks(execute=True):
        slo.save()

    delivery = NotificationDelivery.objects.get(kind=ChannelKind.WEBHOOK)
    assert delivery.status == DeliveryStatus.FAILED
    assert "resolves to 10.9.8.7, a private address" in delivery.last_error


def test_a_connection_that_reaches_a_private_address_is_closed(receiver, settings):
    # As if the name had resolved to a public address for the check, then to loopback.
    settings.NOTIFICATION_ALLOWED_HOSTS = []

    refused = pytest.raises(OutboundURLRefused, match=r"connected to 127\.0\.0\.1, a loopback")
    with refused, outbound_session() as session:
        session.post(receiver.url("/hook"), data=b"{}", timeout=5)

    assert receiver.requests == []


def test_the_session_reaches_an_allowed_host(receiver):
    with outbound_session() as session:
        response = session.post(receiver.url("/hook"), data=b"{}", timeout=5)

    assert response.status_code == 200
    assert [r.path for r in receiver.requests] == ["/hook"]
