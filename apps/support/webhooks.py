"""Webhooks from the helpdesks, in their own payload shapes.

``POST /api/v1/webhooks/jira-service-management/`` and ``POST /api/v1/webhooks/zendesk/``
(``?source=<slug>`` picks the HelpdeskSource when a kind has several). No login: the request is
authenticated by the source's secret, checked on the raw body before anything is parsed — a bad
or missing signature is 401 and writes nothing. The payload is translated into ticket events
(``helpdesks.translate``) and ingested by ``ticket_events_ingest``, idempotent on the event ids
the translation derives from the sender's own, so a redelivered webhook is counted as a
duplicate. An event the desk does not track (a worklog, a tag change) is accepted and ignored,
so the sender does not retry it.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .helpdesks.models import HelpdeskKind, HelpdeskSource
from .helpdesks.signatures import jira_verify, zendesk_verify
from .helpdesks.translate import (
    Mappings,
    PayloadInvalid,
    Translation,
    jira_translate,
    zendesk_translate,
)
from .models import Ticket
from .services import EventsInvalid, ticket_events_ingest

UNAUTHENTICATED = {"detail": "Unknown source or bad signature: nothing was recorded."}


def source_for(kind: str, slug: str | None) -> HelpdeskSource | None:
    """The active source of this kind named by ``slug``, or the only one when none is named."""
    sources = HelpdeskSource.objects.filter(kind=kind, active=True).select_related(
        "default_service"
    )
    if slug:
        return sources.filter(slug=slug).first()
    found = list(sources[:2])
    return found[0] if len(found) == 1 else None


def events_of(source: HelpdeskSource, translation: Translation) -> list[dict]:
    """The translation as ``ticket_events_ingest`` items, with the ticket's creation first when
    the ticket is new to us (a stored ticket keeps the creation it has)."""
    facts = translation.ticket
    items = []
    events = translation.events
    known = Ticket.objects.filter(source=source.slug, external_id=facts.external_id).exists()
    if known:
        events = [event for event in events if event.type != "created"]
    elif not any(event.type == "created" for event in events):
        events = [facts.created_event(), *events]
    mapping = source.customer_mapping
    customer = next((mapping[key] for key in facts.organizations if key in mapping), None)
    for event in events:
        value = event.value
        if event.type == "created":
            value = {
                **value,
                "service": source.default_service_id,
                "customer": customer,
                "subject": facts.subject,
                "assignee": facts.assignee,
            }
        items.append(
            {
                "source": source.slug,
                "external_id": facts.external_id,
                "event_id": event.event_id,
                "at": event.at,
                "type": event.type,
                "value": value,
            }
        )
    return items


class HelpdeskWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    error_codes = {"POST": ["400", "401", "409"]}
    kind = ""

    def verified(self, request, source: HelpdeskSource, body: bytes) -> bool:
        raise NotImplementedError

    def translate(self, payload: dict, mappings: Mappings) -> Translation:
        raise NotImplementedError

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("source", str, description="The helpdesk source's slug.")],
        responses=inline_serializer(
            "WebhookResult",
            {
                "created": serializers.IntegerField(),
                "duplicates": serializers.IntegerField(),
                "ignored": serializers.CharField(required=False),
            },
        ),
    )
    def post(self, request):
        body = request.body
        source = source_for(self.kind, request.query_params.get("source"))
        if source is None or not self.verified(request, source, body):
            return Response(UNAUTHENTICATED, status=status.HTTP_401_UNAUTHORIZED)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return Response({"body": ["The body is not JSON."]}, status=400)
        if not isinstance(payload, dict):
            return Response({"body": ["The body must be a JSON object."]}, status=400)
        mappings = Mappings(
            statuses=source.status_mapping,
            priorities=source.priority_mapping,
            default_priority=source.default_priority,
        )
        try:
            translation = self.translate(payload, mappings)
        except PayloadInvalid as invalid:
            return Response({invalid.field: [str(invalid)]}, status=400)
        if not translation.events:
            return Response({"created": 0, "duplicates": 0, "ignored": translation.ignored})
        try:
            result = ticket_events_ingest(events=events_of(source, translation))
        except EventsInvalid as invalid:
            return Response(_fields_of(invalid), status=400)
        except ValidationError as invalid:
            return Response(invalid.message_dict, status=400)
        except IntegrityError:
            # Two deliveries about one new ticket raced to create it; the sender retries a 409
            # and the retry finds the ticket.
            return Response(
                {"detail": "Another delivery is recording this ticket: send it again."},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"created": result.created, "duplicates": result.duplicates})


def _fields_of(invalid: EventsInvalid) -> dict[str, list[str]]:
    """The bulk service's per-row errors as ``{field: [messages]}``: a webhook is one change."""
    fields: dict[str, list[str]] = {}
    for row in invalid.rows.values():
        for name, messages in row.items():
            fields.setdefault(name, []).extend(messages)
    return fields


class JiraServiceManagementWebhookView(HelpdeskWebhookView):
    """Jira Service Management issue events: ``jira:issue_created``, ``jira:issue_updated``
    (changelog: status, priority, assignee) and ``comment_created`` (``jsdPublic`` comments are
    public replies). Signed with ``X-Hub-Signature: sha256=…`` (a Jira admin webhook saved with
    the secret), or the secret sent as ``X-Covenant-Token`` by a sender that cannot sign."""

    kind = HelpdeskKind.JIRA_SERVICE_MANAGEMENT

    def verified(self, request, source, body):
        return jira_verify(
            source.secret,
            signature=request.headers.get("X-Hub-Signature", ""),
            token=request.headers.get("X-Covenant-Token", ""),
            body=body,
        )

    def translate(self, payload, mappings):
        return jira_translate(payload, mappings)


class ZendeskWebhookView(HelpdeskWebhookView):
    """Zendesk ticket event webhooks (``zen:event-type:ticket.*``), signed with
    ``X-Zendesk-Webhook-Signature`` over ``X-Zendesk-Webhook-Signature-Timestamp`` and the body."""

    kind = HelpdeskKind.ZENDESK

    def verified(self, request, source, body):
        return zendesk_verify(
            source.secret,
            signature=request.headers.get("X-Zendesk-Webhook-Signature", ""),
            timestamp=request.headers.get("X-Zendesk-Webhook-Signature-Timestamp", ""),
            body=body,
        )

    def translate(self, payload, mappings):
        return zendesk_translate(payload, mappings)


urlpatterns = [
    path(
        "webhooks/jira-service-management/",
        JiraServiceManagementWebhookView.as_view(),
        name="webhook-jira-service-management",
    ),
    path("webhooks/zendesk/", ZendeskWebhookView.as_view(), name="webhook-zendesk"),
]
