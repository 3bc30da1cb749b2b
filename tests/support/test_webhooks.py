"""The helpdesk webhooks: signed bodies in the vendors' shapes become ticket events, once."""

import json

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from apps.support import webhooks
from apps.support.helpdesks.models import HelpdeskSource
from apps.support.helpdesks.signatures import jira_signature, zendesk_signature
from apps.support.models import Ticket, TicketEvent
from tests.factories import CustomerFactory, ServiceFactory

from . import helpdesk_payloads as payloads

pytestmark = pytest.mark.django_db

JIRA_URL = "/api/v1/webhooks/jira-service-management/"
ZENDESK_URL = "/api/v1/webhooks/zendesk/"
TIMESTAMP = "2026-03-02T10:00:01Z"


@pytest.fixture
def acme():
    return CustomerFactory(name="Acme")


@pytest.fixture
def jira(acme):
    return HelpdeskSource.objects.create(
        name="Acme Jira",
        slug="acme-jira",
        kind="jira_service_management",
        secret="jira-s3cret",
        default_service=ServiceFactory(slug="support-desk"),
        customer_mapping={"Acme Corp": acme.pk},
    )


@pytest.fixture
def zendesk():
    return HelpdeskSource.objects.create(
        name="Zendesk",
        slug="zendesk",
        kind="zendesk",
        secret="zd-s3cret",
        default_service=ServiceFactory(slug="support-desk"),
    )


def post_jira(payload, *, secret="jira-s3cret", **query):
    body = json.dumps(payload).encode()
    return APIClient().post(
        JIRA_URL + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=jira_signature(secret, body),
    )


def post_zendesk(payload, *, secret="zd-s3cret"):
    body = json.dumps(payload).encode()
    return APIClient().post(
        ZENDESK_URL,
        body,
        content_type="application/json",
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=zendesk_signature(secret, TIMESTAMP, body),
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=TIMESTAMP,
    )


def log(ticket):
    return list(ticket.events.order_by("at", "id").values_list("type", "value"))


def test_source_gets_the_vendor_default_mappings(jira, zendesk):
    assert jira.status_mapping["Waiting for customer"] == "pending_customer"
    assert jira.priority_mapping["Highest"] == "P1"
    assert zendesk.status_mapping["hold"] == "on_hold"
    assert zendesk.priority_mapping["urgent"] == "P1"


def test_jira_issue_created_creates_the_ticket_for_the_mapped_customer(jira, acme):
    answer = post_jira(payloads.jira_issue_created())
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"created": 1, "duplicates": 0}
    ticket = Ticket.objects.get(source="acme-jira", external_id="SUP-1")
    assert (ticket.service, ticket.customer, ticket.priority, ticket.status) == (
        jira.default_service,
        acme,
        "P2",
        "open",
    )
    assert ticket.subject == "Checkout fails for every card"


def test_jira_redelivery_is_a_duplicate(jira):
    post_jira(payloads.jira_issue_created())
    update = payloads.jira_issue_updated(("status", "Waiting for support", "Waiting for customer"))
    assert post_jira(update).json() == {"created": 1, "duplicates": 0}
    assert post_jira(update).json() == {"created": 0, "duplicates": 1}
    ticket = Ticket.objects.get()
    assert ticket.status == "pending_customer"
    assert log(ticket) == [
        ("created", {"priority": "P2", "status": "open"}),
        ("status", "pending_customer"),
    ]


def test_jira_update_of_an_unseen_issue_creates_it_as_it_was_before(jira):
    update = payloads.jira_issue_updated(
        ("status", "Waiting for support", "Resolved"), ("priority", "High", "Highest")
    )
    assert post_jira(update).json() == {"created": 3, "duplicates": 0}
    ticket = Ticket.objects.get()
    assert log(ticket) == [
        ("created", {"priority": "P2", "status": "open"}),
        ("status", "solved"),
        ("priority", "P1"),
    ]
    assert (ticket.status, ticket.priority) == ("solved", "P1")


def test_jira_public_comment_is_a_public_reply(jira):
    post_jira(payloads.jira_issue_created())
    assert post_jira(payloads.jira_comment_created()).json()["created"] == 1
    assert TicketEvent.objects.filter(type="public_reply").count() == 1


def test_jira_bad_signature_is_401_and_writes_nothing(jira):
    answer = post_jira(payloads.jira_issue_created(), secret="guessed")
    assert answer.status_code == 401
    assert "bad signature" in answer.json()["detail"]
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_jira_secret_as_token_for_senders_that_cannot_sign(jira):
    answer = APIClient().post(
        JIRA_URL,
        json.dumps(payloads.jira_issue_created()),
        content_type="application/json",
        HTTP_X_COVENANT_TOKEN="jira-s3cret",
    )
    assert answer.status_code == 200
    unsigned = APIClient().post(
        JIRA_URL, json.dumps(payloads.jira_issue_created()), content_type="application/json"
    )
    assert unsigned.status_code == 401


def test_jira_unknown_status_is_400_naming_the_field_and_writes_nothing(jira):
    update = payloads.jira_issue_updated(("status", "Waiting for support", "Parked"))
    answer = post_jira(update)
    assert answer.status_code == 400
    assert "Parked" in answer.json()["changelog.items.status"][0]
    assert not Ticket.objects.exists()


def test_source_is_picked_by_slug_when_a_kind_has_several(jira):
    HelpdeskSource.objects.create(
        name="Other Jira",
        slug="other-jira",
        kind="jira_service_management",
        secret="other",
        default_service=jira.default_service,
    )
    assert post_jira(payloads.jira_issue_created()).status_code == 401
    assert post_jira(payloads.jira_issue_created(), source="acme-jira").status_code == 200


def test_zendesk_created_status_and_reply(zendesk):
    assert post_zendesk(payloads.zendesk_ticket_created()).json() == {"created": 1, "duplicates": 0}
    assert post_zendesk(payloads.zendesk_comment_added()).status_code == 200
    assert post_zendesk(payloads.zendesk_status_changed("HOLD", "OPEN")).status_code == 200
    ticket = Ticket.objects.get(source="zendesk", external_id="5158")
    assert (ticket.status, ticket.priority) == ("on_hold", "P2")
    assert [t for t, _ in log(ticket)] == ["created", "public_reply", "status"]


def test_zendesk_bad_signature_is_401_and_writes_nothing(zendesk):
    assert post_zendesk(payloads.zendesk_ticket_created(), secret="nope").status_code == 401
    assert not Ticket.objects.exists()


def test_zendesk_events_without_clock_meaning_are_ignored(zendesk):
    body = payloads.zendesk_event(
        "tags_changed", {"current": ["vip"]}, event_id="x-1", time="2026-03-02T09:00:00Z"
    )
    answer = post_zendesk(body)
    assert answer.status_code == 200 and answer.json()["created"] == 0
    assert "does not concern" in answer.json()["ignored"]
    assert not Ticket.objects.exists()


def test_a_delivery_that_lost_the_race_to_create_the_ticket_is_409(jira, monkeypatch):
    def raced(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(webhooks, "ticket_events_ingest", raced)
    answer = post_jira(payloads.jira_issue_created())
    assert answer.status_code == 409 and "send it again" in answer.json()["detail"]
