"""How a drift notice travels: email through Django's backend, Slack, and signed webhooks.

Every sender raises ``TransientDeliveryError`` when trying again may help (network errors,
timeouts, 5xx, 429) and ``PermanentDeliveryError`` when it cannot (a 4xx, a removed channel),
so the task retries only what is worth retrying.
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.outbound import (
    OutboundHostUnresolved,
    OutboundURLRefused,
    check_outbound_url,
    outbound_session,
)
from apps.slos.alignment import fmt

from . import signing
from .choices import ChannelKind
from .models import DriftEvent, NotificationDelivery

# Worth retrying: the receiver may be back, or less busy, in a while.
RETRYABLE_STATUS = frozenset({408, 425, 429})


class DeliveryError(Exception):
    """A notice could not be delivered."""


class TransientDeliveryError(DeliveryError):
    """Delivery failed in a way a later attempt may not."""


class PermanentDeliveryError(DeliveryError):
    """Delivery failed in a way no retry will fix."""


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


def _context(event: DriftEvent) -> dict:
    line = event.commitment
    return {
        "event": event,
        "commitment": line,
        "contract": line.contract,
        "customer": line.contract.customer,
        "service": line.indicator.service,
        "indicator": line.indicator,
        "target": fmt(line.target),
    }


def render_notice(event: DriftEvent) -> Notice:
    context = _context(event)
    subject = render_to_string("drift/notification_subject.txt", context)
    return Notice(
        subject=" ".join(subject.split()),
        text=render_to_string("drift/notification_body.txt", context),
    )


def webhook_payload(delivery: NotificationDelivery, sent_at: str) -> dict:
    """The JSON a signed webhook receives; ``delivery`` lets receivers drop duplicates."""
    event = delivery.event
    line = event.commitment
    contract = line.contract
    service = line.indicator.service
    return {
        "type": "commitment.drifted",
        "delivery": delivery.pk,
        "sent_at": sent_at,
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "key": event.event_key,
            "detected_at": event.detected_at.isoformat(),
            "summary": event.summary,
            "details": event.details,
        },
        "commitment": {
            "id": line.pk,
            "target": str(line.target),
            "period": line.period,
            "indicator": {"id": line.indicator_id, "name": line.indicator.name},
            "service": {"id": service.pk, "slug": service.slug, "name": service.name},
        },
        "contract": {
            "id": contract.pk,
            "number": contract.number,
            "revision": contract.revision,
            "customer": contract.customer.name,
        },
    }


def send(delivery: NotificationDelivery) -> None:
    """Deliver one notice; raises a DeliveryError subclass when it did not arrive."""
    if delivery.kind == ChannelKind.EMAIL:
        _send_email(delivery)
        return
    channel = delivery.channel
    if channel is None:
        raise PermanentDeliveryError("The channel was removed before the notice was sent.")
    if not channel.active:
        raise PermanentDeliveryError("The channel was deactivated before the notice was sent.")
    if delivery.kind == ChannelKind.SLACK:
        notice = render_notice(delivery.event)
        body = json.dumps({"text": f"*{notice.subject}*\n{notice.text}"}).encode()
        _post(delivery.target, body, {"Content-Type": "application/json"})
    else:
        _post_signed(delivery, channel.secret)


def _send_email(delivery: NotificationDelivery) -> None:
    notice = render_notice(delivery.event)
    message = EmailMessage(
        subject=notice.subject,
        body=notice.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.target],
        headers={"X-Covenant-Event": str(delivery.event_id)},
    )
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentDeliveryError(f"Recipient refused: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error


def _post_signed(delivery: NotificationDelivery, secret: str) -> None:
    if not secret:
        raise PermanentDeliveryError("The webhook channel has no secret to sign with.")
    sent_at = timezone.now().isoformat()
    # The exact bytes that are signed are the bytes that are sent.
    body = json.dumps(
        webhook_payload(delivery, sent_at), cls=DjangoJSONEncoder, separators=(",", ":")
    ).encode()
    headers = {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.signature(secret, body),
        signing.TIMESTAMP_HEADER: sent_at,
        signing.EVENT_HEADER: str(delivery.event_id),
        signing.DELIVERY_HEADER: str(delivery.pk),
    }
    _post(delivery.target, body, headers)


def _post(url: str, body: bytes, headers: dict) -> None:
    try:
        check_outbound_url(url)
    except OutboundHostUnresolved as error:
        raise TransientDeliveryError(str(error)) from error
    except OutboundURLRefused as error:
        # Checked again here: the name may resolve elsewhere than when the channel was saved.
        raise PermanentDeliveryError(str(error)) from error
    try:
        with outbound_session() as session:
            response = session.post(
                url,
                data=body,
                headers={"User-Agent": "Covenant-Notifier/1", **headers},
                timeout=settings.DRIFT_WEBHOOK_TIMEOUT,
                allow_redirects=False,
            )
    except OutboundURLRefused as error:  # the address reached was not the one checked
        raise PermanentDeliveryError(str(error)) from error
    except requests.RequestException as error:
        raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
    if response.status_code < 300:
        return
    problem = f"HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUS:
        raise TransientDeliveryError(problem)
    raise PermanentDeliveryError(problem)
