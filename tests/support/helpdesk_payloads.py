"""Webhook bodies in the shapes the helpdesks document (trimmed of fields we never read).

Jira: "Webhooks", example callbacks for issue and comment events,
https://developer.atlassian.com/cloud/jira/platform/webhooks/ (``jira:issue_created``,
``jira:issue_updated`` with ``changelog.items``, ``comment_created``); Service Management adds
``jsdPublic`` to comments shared with the customer.

Zendesk: "Ticket events" webhook payloads,
https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/ (top-level
``type``, ``id``, ``time``, ``subject``, ``detail``, ``event``), signed as
https://developer.zendesk.com/documentation/webhooks/verifying/ describes.
"""

import copy

JIRA_REPORTER = {
    "accountId": "qm:customer-1",
    "displayName": "Casey Customer",
    "emailAddress": "casey@acme.example",
}
JIRA_AGENT = {
    "accountId": "5b10a2844c20165700ede21g",
    "displayName": "Sam Support",
    "emailAddress": "sam@covenant.example",
}

_JIRA_ISSUE = {
    "id": "10001",
    "self": "https://your-domain.atlassian.net/rest/api/2/issue/10001",
    "key": "SUP-1",
    "fields": {
        "summary": "Checkout fails for every card",
        "created": "2026-03-02T09:00:00.000+0000",
        "status": {"name": "Waiting for support", "id": "10001"},
        "priority": {"name": "High", "id": "2"},
        "issuetype": {"name": "Incident", "id": "10004"},
        "project": {"key": "SUP", "name": "Support", "id": "10000"},
        "reporter": JIRA_REPORTER,
        "assignee": None,
        "customfield_10002": [{"id": 1, "name": "Acme Corp"}],
    },
}


def jira_issue_created() -> dict:
    return {
        "timestamp": 1772442000000,  # 2026-03-02T09:00:00Z
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": JIRA_REPORTER,
        "issue": copy.deepcopy(_JIRA_ISSUE),
    }


def jira_issue_updated(*items, changelog_id="10100", timestamp=1772445600000) -> dict:
    """An update whose changelog holds ``items`` (field, fromString, toString)."""
    issue = copy.deepcopy(_JIRA_ISSUE)
    for field, _, to in items:
        if field in ("status", "priority"):
            issue["fields"][field] = {"name": to}
    return {
        "timestamp": timestamp,  # 2026-03-02T10:00:00Z by default
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": JIRA_AGENT,
        "issue": issue,
        "changelog": {
            "id": changelog_id,
            "items": [
                {
                    "field": field,
                    "fieldtype": "jira",
                    "fieldId": field,
                    "from": "1",
                    "fromString": before,
                    "to": "2",
                    "toString": after,
                }
                for field, before, after in items
            ],
        },
    }


def jira_comment_created(*, public=True, author=JIRA_AGENT, comment_id="10050") -> dict:
    return {
        "timestamp": 1772443800000,
        "webhookEvent": "comment_created",
        "comment": {
            "self": f"https://your-domain.atlassian.net/rest/api/2/issue/10001/comment/{comment_id}",
            "id": comment_id,
            "author": author,
            "body": "We are looking into it.",
            "updateAuthor": author,
            "created": "2026-03-02T09:30:00.000+0000",
            "updated": "2026-03-02T09:30:00.000+0000",
            "jsdPublic": public,
        },
        "issue": copy.deepcopy(_JIRA_ISSUE),
    }


_ZENDESK_DETAIL = {
    "actor_id": "8447388090494",
    "assignee_id": "8447388090494",
    "brand_id": "8447346621310",
    "created_at": "2026-03-02T09:00:00Z",
    "custom_status": "8447388088062",
    "description": "The export button does nothing.",
    "external_id": None,
    "form_id": "8646151517822",
    "group_id": "8447320466430",
    "id": "5158",
    "is_public": True,
    "organization_id": "8447346622462",
    "priority": "HIGH",
    "requester_id": "8447388090111",
    "status": "OPEN",
    "subject": "Export does nothing",
    "submitter_id": "8447388090111",
    "tags": [],
    "type": "INCIDENT",
    "updated_at": "2026-03-02T09:00:00Z",
    "via": {"channel": "web_service"},
}


def zendesk_event(kind: str, event: dict, *, event_id: str, time: str, **detail) -> dict:
    return {
        "account_id": 22129848,
        "detail": {**copy.deepcopy(_ZENDESK_DETAIL), **detail},
        "event": event,
        "id": event_id,
        "subject": "zen:ticket:5158",
        "time": time,
        "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06",
    }


def zendesk_ticket_created() -> dict:
    return zendesk_event(
        "created",
        {"meta": {"sequence": {"id": "seq-1", "position": 1}}},
        event_id="0b6c3c0e-1d4f-4c7e-9b1a-000000000001",
        time="2026-03-02T09:00:00.104553812Z",
    )


def zendesk_status_changed(current="PENDING", previous="OPEN", *, event_id=None) -> dict:
    return zendesk_event(
        "status_changed",
        {"current": current, "previous": previous},
        event_id=event_id or "0b6c3c0e-1d4f-4c7e-9b1a-000000000002",
        time="2026-03-02T10:00:00.672717030Z",
        status=current,
    )


def zendesk_comment_added(*, public=True, staff=True) -> dict:
    return zendesk_event(
        "comment_added",
        {
            "comment": {
                "author": {"id": "8447388090494", "is_staff": staff, "name": "Sam Support"},
                "body": "Thanks, we have reproduced it.",
                "id": "9988776655",
                "is_public": public,
            }
        },
        event_id="0b6c3c0e-1d4f-4c7e-9b1a-000000000003",
        time="2026-03-02T09:20:00Z",
    )


def zendesk_priority_changed(current="URGENT", previous="HIGH") -> dict:
    return zendesk_event(
        "priority_changed",
        {"current": current, "previous": previous},
        event_id="0b6c3c0e-1d4f-4c7e-9b1a-000000000004",
        time="2026-03-02T09:10:00Z",
        priority=current,
    )
