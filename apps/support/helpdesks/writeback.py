"""Writing an escalation's reassignment back to the helpdesk its ticket came from.

A level that reassigns a ticket to a group records an ``assigned`` event in the ticket's log;
when the ticket came from a helpdesk source with an API URL, the same firing writes a
notification delivery of kind ``helpdesk`` that the notification tasks send once, retried with
backoff like any notice:

- Jira Cloud: ``PUT {api_url}/rest/api/3/issue/{key}`` with
  ``{"fields": {"customfield_…": {"groupId": …}}}`` (or ``{"name": …}`` for a group the source
  does not map), basic auth with the account's email and API token; Jira answers 204.
- Zendesk: ``PUT {api_url}/api/v2/tickets/{id}.json`` with ``{"ticket": {"group_id": …}}``,
  basic auth as ``{email}/token:{api token}``; Zendesk answers 200 with the ticket.

The credentials are read from the source when sending and never copied into the delivery.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from apps.notifications.choices import HELPDESK_KIND, DeliveryAction
from apps.notifications.models import NotificationDelivery
from apps.notifications.senders import PermanentDeliveryError, Response, http_send

from .mappings import JIRA_SERVICE_MANAGEMENT, ZENDESK
from .models import HelpdeskSource


class WriteBackImpossible(Exception):
    """This reassignment cannot be said in the helpdesk's terms; the message says why."""


def write_back_request(source: HelpdeskSource, *, external_id: str, group: str) -> tuple[str, dict]:
    """The URL and JSON body that put the helpdesk's ticket ``external_id`` in ``group``."""
    base = source.api_url.rstrip("/")
    mapped = source.group_mapping.get(group)
    ticket = quote(str(external_id), safe="")
    if source.kind == JIRA_SERVICE_MANAGEMENT:
        value = {"groupId": str(mapped)} if mapped is not None else {"name": group}
        return f"{base}/rest/api/3/issue/{ticket}", {"fields": {source.group_field: value}}
    if source.kind == ZENDESK:
        group_id = mapped if mapped is not None else (group if group.isdigit() else None)
        if group_id is None:
            raise WriteBackImpossible(
                f"Zendesk needs a group id for “{group}”: add it to the source's group mapping."
            )
        return f"{base}/api/v2/tickets/{ticket}.json", {"ticket": {"group_id": int(group_id)}}
    raise WriteBackImpossible(f"Covenant does not write back to {source.get_kind_display()}.")


def reassignment_delivery(
    *, source: HelpdeskSource, external_id: str, group: str, cause, dedup_key: str
) -> NotificationDelivery:
    """The unsaved delivery that writes this reassignment back (raises WriteBackImpossible)."""
    url, body = write_back_request(source, external_id=external_id, group=group)
    return NotificationDelivery(
        cause=cause,
        kind=HELPDESK_KIND,
        action=DeliveryAction.WRITE_BACK,
        target=url,
        role="helpdesk",
        dedup_key=dedup_key,
        subject=f"Reassign {source.slug}:{external_id} to {group}"[:300],
        text=f"Reassigned to the group {group} by an escalation level.",
        payload={"source": source.slug, "method": "PUT", "body": body},
    )


def _authorization(source: HelpdeskSource) -> str:
    email, token = source.api_credentials()
    if not token:
        raise PermanentDeliveryError(
            f"The helpdesk source {source.slug} has no API token (on the source or in the "
            "environment)."
        )
    # Zendesk's API tokens authenticate as "{email}/token"; Jira's as the email itself.
    user = f"{email}/token" if source.kind == ZENDESK else email
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def write_back_load(deliveries: list[NotificationDelivery]) -> None:
    """Attach to each write-back its source as it is now (the sender's loader: one query)."""
    slugs = {delivery.payload.get("source") for delivery in deliveries}
    sources = {source.slug: source for source in HelpdeskSource.objects.filter(slug__in=slugs)}
    for delivery in deliveries:
        delivery.helpdesk_source = sources.get(delivery.payload.get("source"))


def write_back_send(delivery: NotificationDelivery) -> Response:
    """Send one write-back (the notification sender of the ``helpdesk`` kind), its source
    attached by ``write_back_load``."""
    source = getattr(delivery, "helpdesk_source", None)
    if source is None or not source.writes_back:
        raise PermanentDeliveryError(
            "The helpdesk source was removed or stopped writing back before this was sent."
        )
    if not delivery.target.startswith(source.api_url.rstrip("/") + "/"):
        raise PermanentDeliveryError("The helpdesk source's API URL changed since this was queued.")
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Authorization": _authorization(source),
    }
    body = json.dumps(delivery.payload.get("body") or {}, separators=(",", ":")).encode()
    return http_send(delivery.target, body, headers, method=delivery.payload.get("method", "PUT"))
