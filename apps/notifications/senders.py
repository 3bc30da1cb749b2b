"""How a notice travels: email through Django's backend, Slack, signed webhooks, PagerDuty's
Events API v2 and Opsgenie's Alert API.

Every sender returns the receiver's ``Response`` when the notice arrived, and raises
``TransientDeliveryError`` when trying again may help (network errors, timeouts, 5xx, 429 —
with the receiver's ``Retry-After`` when it gave one) or ``PermanentDeliveryError`` when it
cannot (another 4xx, a removed channel), so the task retries only what is worth retrying.
"""

from __future__ import annotations

import json
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.core.outbound import (
    OutboundHostUnresolved,
    OutboundURLRefused,
    check_outbound_url,
    outbound_session,
)

from . import signing
from .choices import ChannelKind, DeliveryAction
from .models import NotificationDelivery

# Worth retrying: the receiver may be back, or less busy, in a while.
RETRYABLE_STATUS = frozenset({408, 425, 429})
# Opsgenie keeps an alert's message to this many characters.
OPSGENIE_MESSAGE_LIMIT = 130
PAGERDUTY_SUMMARY_LIMIT = 1024


class DeliveryError(Exception):
    """A notice could not be delivered."""


class TransientDeliveryError(DeliveryError):
    """Delivery failed in a way a later attempt may not; ``retry_after`` in seconds if known."""

    def __init__(self, message: str, *, retry_after: int | None = None, status=None, body=""):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.body = body


class PermanentDeliveryError(DeliveryError):
    """Delivery failed in a way no retry will fix."""

    def __init__(self, message: str, *, status=None, body=""):
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Response:
    status: int | None
    body: str


# Senders of delivery kinds that no channel has, registered by the app above that writes them
# (the support desk's helpdesk write-back): kind → function(delivery) -> Response, and the
# loader that reads what they need from the database before sending.
_REGISTERED: dict[str, Callable[[NotificationDelivery], Response]] = {}
_LOADERS: dict[str, Callable[[list[NotificationDelivery]], None]] = {}


def register_sender(
    kind: str,
    sender: Callable[[NotificationDelivery], Response],
    *,
    load: Callable[[list[NotificationDelivery]], None] | None = None,
) -> None:
    """Send deliveries of ``kind`` with ``sender``, which raises the errors below as these do.

    ``load`` gets the deliveries of the kind about to be sent, in the thread that claimed them:
    senders run side by side in threads of their own, which must not query the database.
    """
    _REGISTERED[kind] = sender
    if load is not None:
        _LOADERS[kind] = load


def prepare(deliveries: list[NotificationDelivery]) -> None:
    """Load what the registered senders of these deliveries need (before ``send``)."""
    for kind, load in _LOADERS.items():
        mine = [delivery for delivery in deliveries if delivery.kind == kind]
        if mine:
            load(mine)


def send(delivery: NotificationDelivery) -> Response:
    """Deliver one notice; raises a DeliveryError subclass when it did not arrive."""
    if delivery.kind in _REGISTERED:
        return _REGISTERED[delivery.kind](delivery)
    if delivery.kind == ChannelKind.EMAIL:
        return _send_email(delivery)
    channel = delivery.channel
    if channel is None:
        raise PermanentDeliveryError("The channel was removed before the notice was sent.")
    if not channel.active:
        raise PermanentDeliveryError("The channel was deactivated before the notice was sent.")
    if delivery.kind == ChannelKind.SLACK:
        body = json.dumps({"text": f"*{delivery.subject}*\n{delivery.text}"}).encode()
        return http_send(delivery.target, body, {"Content-Type": "application/json"})
    if delivery.kind == ChannelKind.WEBHOOK:
        return _post_signed(delivery, channel.secret)
    if delivery.kind == ChannelKind.PAGERDUTY:
        return _send_pagerduty(delivery, channel.routing_key)
    if delivery.kind == ChannelKind.OPSGENIE:
        return _send_opsgenie(delivery, channel.api_key)
    raise PermanentDeliveryError(f"Unknown channel kind {delivery.kind}.")


def _send_email(delivery: NotificationDelivery) -> Response:
    message = EmailMessage(
        subject=delivery.subject,
        body=delivery.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.target],
        headers={"X-Covenant-Notice": delivery.dedup_key[:200]},
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentDeliveryError(f"Recipient refused: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
    return Response(None, "")


def _json(data) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _post_signed(delivery: NotificationDelivery, secret: str) -> Response:
    if not secret:
        raise PermanentDeliveryError("The webhook channel has no secret to sign with.")
    sent_at = timezone.now().isoformat()
    # ``delivery`` lets receivers drop duplicates; the exact bytes signed are the bytes sent.
    body = _json({**delivery.payload, "delivery": delivery.pk, "sent_at": sent_at})
    headers = {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.signature(secret, body),
        signing.TIMESTAMP_HEADER: sent_at,
        signing.DELIVERY_HEADER: str(delivery.pk),
    }
    if "event" in delivery.payload and isinstance(delivery.payload["event"], dict):
        headers[signing.EVENT_HEADER] = str(delivery.payload["event"].get("id", ""))
    return http_send(delivery.target, body, headers)


def pagerduty_event(delivery: NotificationDelivery, routing_key: str) -> dict:
    """The Events API v2 body: a trigger with its payload, or a resolve of the same key."""
    event = {
        "routing_key": routing_key,
        "event_action": delivery.action,
        "dedup_key": delivery.alert_key,
    }
    if delivery.action == DeliveryAction.TRIGGER:
        event["payload"] = {
            "summary": (delivery.subject or delivery.alert_key)[:PAGERDUTY_SUMMARY_LIMIT],
            "source": delivery.payload.get("source", "covenant"),
            "severity": delivery.payload.get("severity", "error"),
            "custom_details": delivery.payload,
        }
        event["client"] = "Covenant"
    return event


def _send_pagerduty(delivery: NotificationDelivery, routing_key: str) -> Response:
    if not routing_key:
        raise PermanentDeliveryError("The PagerDuty channel has no routing key.")
    if delivery.action not in (DeliveryAction.TRIGGER, DeliveryAction.RESOLVE):
        raise PermanentDeliveryError("PagerDuty takes only triggers and resolves.")
    body = _json(pagerduty_event(delivery, routing_key))
    return http_send(delivery.target, body, {"Content-Type": "application/json"})


def _send_opsgenie(delivery: NotificationDelivery, api_key: str) -> Response:
    if not api_key:
        raise PermanentDeliveryError("The Opsgenie channel has no API key.")
    headers = {"Content-Type": "application/json", "Authorization": f"GenieKey {api_key}"}
    base = delivery.target.rstrip("/")
    if delivery.action == DeliveryAction.TRIGGER:
        body = {
            "message": (delivery.subject or delivery.alert_key)[:OPSGENIE_MESSAGE_LIMIT],
            "alias": delivery.alert_key,
            "description": delivery.text[:15000],
            "source": "Covenant",
            "priority": delivery.payload.get("opsgenie_priority", "P3"),
            "details": {k: str(v) for k, v in delivery.payload.items()},
        }
        return http_send(f"{base}/v2/alerts", _json(body), headers)
    if delivery.action == DeliveryAction.RESOLVE:
        url = f"{base}/v2/alerts/{quote(delivery.alert_key, safe='')}/close?identifierType=alias"
        body = {"source": "Covenant", "note": delivery.text[:25000]}
        return http_send(url, _json(body), headers)
    raise PermanentDeliveryError("Opsgenie takes only alerts and closes.")


def _retry_after(response) -> int | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0, int(value))
    except ValueError:
        return None


_local = threading.local()


def _session():
    """One checked session per thread: a receiver that keeps connections alive is reached
    without a new connection (and its check) per notice."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = outbound_session()
    return session


def http_send(url: str, body: bytes, headers: dict, *, method: str = "POST") -> Response:
    """Send ``body`` to a URL someone typed, checked against SSRF before and while connecting;
    the receiver's answer sorted into a Response or the error a retry may or may not fix."""
    try:
        check_outbound_url(url)
    except OutboundHostUnresolved as error:
        raise TransientDeliveryError(str(error)) from error
    except OutboundURLRefused as error:
        # Checked again here: the name may resolve elsewhere than when the channel was saved.
        raise PermanentDeliveryError(str(error)) from error
    try:
        response = _session().request(
            method,
            url,
            data=body,
            headers={"User-Agent": "Covenant-Notifier/1", **headers},
            timeout=settings.NOTIFICATION_TIMEOUT,
            allow_redirects=False,
        )
    except OutboundURLRefused as error:  # the address reached was not the one checked
        raise PermanentDeliveryError(str(error)) from error
    except requests.RequestException as error:
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
    text = response.text[:2000]
    if response.status_code < 300:
        return Response(response.status_code, text)
    problem = f"HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
        raise TransientDeliveryError(
            problem, retry_after=_retry_after(response), status=response.status_code, body=text
        )
    raise PermanentDeliveryError(problem, status=response.status_code, body=text)
