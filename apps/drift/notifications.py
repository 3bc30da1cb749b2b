"""What a drift notice says: the email and Slack text, and the signed webhook's JSON.

Rendered when the event is recorded and stored on each delivery (``apps.notifications``
sends it), so the notice says what was true when the line drifted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from apps.slos.alignment import fmt

from .models import DriftEvent


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
        subject=" ".join(subject.split())[:300],
        text=render_to_string("drift/notification_body.txt", context),
    )


def webhook_payload(event: DriftEvent) -> dict:
    """The JSON a signed webhook receives (the sender adds ``delivery`` and ``sent_at``)."""
    line = event.commitment
    contract = line.contract
    service = line.indicator.service
    return {
        "type": "commitment.drifted",
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
