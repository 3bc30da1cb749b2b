"""Jira Service Management and Zendesk webhook bodies become ticket events (pure translation)."""

from datetime import UTC, datetime

import pytest

from apps.support.helpdesks.mappings import (
    JIRA_PRIORITIES,
    JIRA_STATUSES,
    ZENDESK_PRIORITIES,
    ZENDESK_STATUSES,
)
from apps.support.helpdesks.signatures import (
    jira_signature,
    jira_verify,
    zendesk_signature,
    zendesk_verify,
)
from apps.support.helpdesks.translate import (
    Mappings,
    PayloadInvalid,
    jira_translate,
    zendesk_translate,
)

from . import helpdesk_payloads as payloads

JIRA = Mappings(statuses=JIRA_STATUSES, priorities=JIRA_PRIORITIES, default_priority="P3")
ZENDESK = Mappings(statuses=ZENDESK_STATUSES, priorities=ZENDESK_PRIORITIES, default_priority="P3")


def at(hour, minute=0):
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def test_jira_issue_created_is_a_created_event_with_mapped_priority_and_status():
    translation = jira_translate(payloads.jira_issue_created(), JIRA)
    ticket = translation.ticket
    assert (ticket.external_id, ticket.subject) == ("SUP-1", "Checkout fails for every card")
    assert ticket.organizations == ["SUP", "Acme Corp"]
    [event] = translation.events
    assert (event.type, event.at, event.value) == (
        "created",
        at(9),
        {"priority": "P2", "status": "open"},
    )


def test_jira_changelog_status_and_priority_become_events_at_the_webhook_timestamp():
    body = payloads.jira_issue_updated(
        ("status", "Waiting for support", "Waiting for customer"),
        ("priority", "High", "Highest"),
        ("summary", "old", "new"),
    )
    translation = jira_translate(body, JIRA)
    assert [(e.type, e.value, e.at) for e in translation.events] == [
        ("status", "pending_customer", at(10)),
        ("priority", "P1", at(10)),
    ]
    assert len({e.event_id for e in translation.events}) == 2
    # For a ticket never seen: its creation as it was before this change.
    assert (translation.ticket.status, translation.ticket.priority) == ("open", "P2")


def test_jira_resolved_and_closed_map_to_solved_and_closed():
    for jira_status, ours in (("Resolved", "solved"), ("Done", "solved"), ("Closed", "closed")):
        body = payloads.jira_issue_updated(("status", "In progress", jira_status))
        assert [e.value for e in jira_translate(body, JIRA).events] == [ours]


def test_jira_public_comment_by_an_agent_is_a_public_reply():
    [event] = jira_translate(payloads.jira_comment_created(public=True), JIRA).events
    assert (event.type, event.at, event.value) == ("public_reply", at(9, 30), None)


def test_jira_internal_note_and_customer_comment_are_comments():
    internal = jira_translate(payloads.jira_comment_created(public=False), JIRA).events[0]
    by_customer = jira_translate(
        payloads.jira_comment_created(author=payloads.JIRA_REPORTER), JIRA
    ).events[0]
    assert (internal.type, internal.value) == ("comment", "We are looking into it.")
    assert by_customer.type == "comment"


def test_jira_unknown_status_names_the_field():
    body = payloads.jira_issue_updated(("status", "In progress", "Parked on the moon"))
    with pytest.raises(PayloadInvalid) as error:
        jira_translate(body, JIRA)
    assert error.value.field == "changelog.items.status"
    assert "Parked on the moon" in str(error.value)


def test_jira_events_that_do_not_touch_clocks_are_ignored():
    translation = jira_translate({"webhookEvent": "jira:worklog_updated"}, JIRA)
    assert translation.events == [] and translation.ignored


def test_zendesk_ticket_created_and_status_changed():
    created = zendesk_translate(payloads.zendesk_ticket_created(), ZENDESK)
    assert created.ticket.external_id == "5158"
    assert created.ticket.organizations == ["8447346622462"]
    assert [(e.type, e.value, e.at) for e in created.events] == [
        ("created", {"priority": "P2", "status": "open"}, at(9))
    ]
    changed = zendesk_translate(payloads.zendesk_status_changed("PENDING", "OPEN"), ZENDESK)
    [event] = changed.events
    assert (event.type, event.value, event.event_id) == (
        "status",
        "pending_customer",
        "0b6c3c0e-1d4f-4c7e-9b1a-000000000002",
    )
    assert event.at == datetime(2026, 3, 2, 10, 0, 0, 672717, tzinfo=UTC)
    assert changed.ticket.status == "open"  # before the change


def test_zendesk_hold_solved_closed():
    for status, ours in (("HOLD", "on_hold"), ("SOLVED", "solved"), ("CLOSED", "closed")):
        body = payloads.zendesk_status_changed(status, "OPEN")
        assert zendesk_translate(body, ZENDESK).events[0].value == ours


def test_zendesk_public_agent_comment_is_a_reply_and_others_are_comments():
    reply = zendesk_translate(payloads.zendesk_comment_added(), ZENDESK).events[0]
    note = zendesk_translate(payloads.zendesk_comment_added(public=False), ZENDESK).events[0]
    customer = zendesk_translate(payloads.zendesk_comment_added(staff=False), ZENDESK).events[0]
    assert (reply.type, note.type, customer.type) == ("public_reply", "comment", "comment")


def test_zendesk_priority_changed_and_removed():
    assert zendesk_translate(payloads.zendesk_priority_changed(), ZENDESK).events[0].value == "P1"
    removed = payloads.zendesk_priority_changed(current=None)
    assert zendesk_translate(removed, ZENDESK).events[0].value == "P3"  # the source's default


def test_zendesk_unknown_status_names_the_field():
    with pytest.raises(PayloadInvalid) as error:
        zendesk_translate(payloads.zendesk_status_changed("ARCHIVED"), ZENDESK)
    assert error.value.field == "event.current"


def test_zendesk_signature_is_base64_hmac_of_timestamp_and_body():
    body = b'{"type":"zen:event-type:ticket.created"}'
    signature = zendesk_signature("s3cret", "2026-03-02T09:00:00Z", body)
    assert zendesk_verify(
        "s3cret", signature=signature, timestamp="2026-03-02T09:00:00Z", body=body
    )
    assert not zendesk_verify(
        "s3cret", signature=signature, timestamp="2026-03-02T09:00:01Z", body=body
    )
    assert not zendesk_verify(
        "other", signature=signature, timestamp="2026-03-02T09:00:00Z", body=body
    )


def test_jira_signature_is_websub_sha256_hex_or_the_secret_as_token():
    body = b'{"webhookEvent":"jira:issue_created"}'
    assert jira_signature("s3cret", body).startswith("sha256=")
    assert jira_verify("s3cret", signature=jira_signature("s3cret", body), token="", body=body)
    assert not jira_verify("s3cret", signature=jira_signature("s3cret", b"{}"), token="", body=body)
    assert not jira_verify("s3cret", signature="sha1=abc", token="s3cret", body=body)
    assert jira_verify("s3cret", signature="", token="s3cret", body=body)
    assert not jira_verify("s3cret", signature="", token="", body=body)
