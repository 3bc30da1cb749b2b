"""Helpdesk webhook payloads, in the shapes their senders document, turned into ticket events.

Pure: a parsed JSON body and the source's mappings in, a ``Translation`` out (or
``PayloadInvalid`` naming the field). Each event carries an id derived from the sender's own
(Jira's changelog and comment ids, Zendesk's event id), so a webhook delivered twice, or the same
comment sent by two Jira events, is recorded once.

A helpdesk may send an update for a ticket we have never seen (the webhook was set up after the
ticket was opened): ``ticket`` then says what its creation was, as well as the payload can tell
(the status and priority before the change), and the caller adds the ``created`` event when the
ticket is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .mappings import UnknownValue, mapped

PUBLIC_REPLY = "public_reply"


class PayloadInvalid(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Mappings:
    statuses: dict[str, str]
    priorities: dict[str, str]
    default_priority: str


@dataclass(frozen=True)
class Event:
    event_id: str
    at: datetime
    type: str
    value: object = None


@dataclass
class TicketFacts:
    """The ticket as of its creation: what a ``created`` event and a new Ticket row need."""

    external_id: str
    created_at: datetime
    priority: str
    status: str
    subject: str = ""
    assignee: str = ""
    organizations: list[str] = field(default_factory=list)

    def created_event(self) -> Event:
        return Event(
            event_id=f"{self.external_id}:created",
            at=self.created_at,
            type="created",
            value={"priority": self.priority, "status": self.status},
        )


@dataclass
class Translation:
    ticket: TicketFacts | None
    events: list[Event] = field(default_factory=list)
    ignored: str = ""  # why nothing in the payload concerns a ticket's clocks


def _object(payload: dict, key: str, *, where: str) -> dict:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise PayloadInvalid(f"{where}{key}", f"{where}{key} must be an object.")
    return value


def _instant(value, *, field_name: str) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Jira's ``timestamp``: milliseconds since the epoch.
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise PayloadInvalid(field_name, f"{field_name} must be an ISO 8601 instant with an offset.")


def _map(mapping: dict, value, *, field_name: str) -> str:
    try:
        return mapped(mapping, value, field=field_name.rsplit(".", 1)[-1])
    except UnknownValue as unknown:
        raise PayloadInvalid(field_name, str(unknown)) from None


def _name(value) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value if isinstance(value, str) else ""


def _person(value) -> str:
    if isinstance(value, dict):
        for key in ("emailAddress", "email", "displayName", "name", "accountId", "id"):
            if value.get(key):
                return str(value[key])[:150]
        return ""
    return "" if value is None else str(value)[:150]


# --- Jira Service Management ----------------------------------------------------------------


def jira_translate(payload: dict, mappings: Mappings) -> Translation:
    """``jira:issue_created``, ``jira:issue_updated`` (changelog items status, priority,
    assignee; a comment when the update is one) and ``comment_created``.

    A comment is a public reply when Jira Service Management shares it with the customer
    (``jsdPublic``) and its author is not the issue's reporter (the customer's own comments are
    public too). Jira's ``timestamp`` is when the change happened.
    """
    kind = payload.get("webhookEvent")
    if not isinstance(kind, str):
        raise PayloadInvalid("webhookEvent", "webhookEvent is missing.")
    if kind not in {"jira:issue_created", "jira:issue_updated", "comment_created"}:
        return Translation(ticket=None, ignored=f"{kind} does not concern a ticket's clocks")
    issue = _object(payload, "issue", where="")
    fields = _object(issue, "fields", where="issue.")
    key = issue.get("key") or issue.get("id")
    if not isinstance(key, str | int) or not str(key):
        raise PayloadInvalid("issue.key", "issue.key is missing.")
    at = _instant(payload.get("timestamp"), field_name="timestamp")
    changes = []
    if kind == "jira:issue_updated":
        changelog = payload.get("changelog") or {}
        items = changelog.get("items") if isinstance(changelog, dict) else None
        changes = [item for item in items or [] if isinstance(item, dict)]
    before = {item.get("field"): item for item in reversed(changes)}

    def initial(field_name: str, mapping: dict) -> str | None:
        if field_name in before:
            value = before[field_name].get("fromString")
        else:
            value = _name(fields.get(field_name))
        if not value:
            return None
        return _map(mapping, value, field_name=f"issue.fields.{field_name}")

    created_at = fields.get("created")
    ticket = TicketFacts(
        external_id=str(key),
        created_at=_instant(created_at, field_name="issue.fields.created") if created_at else at,
        status=initial("status", mappings.statuses) or "open",
        priority=initial("priority", mappings.priorities) or mappings.default_priority,
        subject=str(fields.get("summary") or "")[:300],
        assignee=_person(fields.get("assignee")),
        organizations=_jira_organizations(fields),
    )
    translation = Translation(ticket=ticket)
    if kind == "jira:issue_created":
        translation.events.append(ticket.created_event())
        return translation
    changelog_id = str((payload.get("changelog") or {}).get("id") or "")
    for index, item in enumerate(changes):
        name = item.get("field")
        event_id = f"{ticket.external_id}:changelog:{changelog_id or at.timestamp()}:{index}"
        if name == "status":
            value = _map(
                mappings.statuses, item.get("toString"), field_name="changelog.items.status"
            )
            translation.events.append(Event(event_id, at, "status", value))
        elif name == "priority":
            value = _map(
                mappings.priorities, item.get("toString"), field_name="changelog.items.priority"
            )
            translation.events.append(Event(event_id, at, "priority", value))
        elif name == "assignee":
            value = str(item.get("toString") or item.get("to") or "")[:150]
            translation.events.append(Event(event_id, at, "assigned", value))
    comment = payload.get("comment")
    if isinstance(comment, dict):
        translation.events.append(_jira_comment(comment, fields, ticket.external_id, at))
    if not translation.events:
        translation.ignored = "no status, priority, assignee or comment in this change"
    return translation


def _jira_comment(comment: dict, fields: dict, key: str, at: datetime) -> Event:
    comment_id = comment.get("id")
    if not comment_id:
        raise PayloadInvalid("comment.id", "comment.id is missing.")
    created = comment.get("created")
    moment = _instant(created, field_name="comment.created") if created else at
    author = comment.get("author") or {}
    reporter = fields.get("reporter") or {}
    by_reporter = bool(author.get("accountId")) and author.get("accountId") == reporter.get(
        "accountId"
    )
    if comment.get("jsdPublic", True) and not by_reporter:
        return Event(f"{key}:comment:{comment_id}", moment, PUBLIC_REPLY)
    body = comment.get("body")
    return Event(f"{key}:comment:{comment_id}", moment, "comment", _text(body))


def _text(body) -> str:
    # Jira Cloud's v3 payloads write comments as Atlassian Document Format, v2 as plain text.
    if isinstance(body, str):
        return body[:2000]
    parts: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for child in node.get("content") or []:
                walk(child)

    walk(body)
    return " ".join(parts)[:2000]


def _jira_organizations(fields: dict) -> list[str]:
    """The issue's project key, then every organization name Service Management attached (the
    organizations field is a custom field whose id differs per site: any list of named objects)."""
    names = []
    project = fields.get("project")
    if isinstance(project, dict) and project.get("key"):
        names.append(str(project["key"]))
    for name, value in fields.items():
        if name.startswith("customfield_") and isinstance(value, list):
            names += [str(v["name"]) for v in value if isinstance(v, dict) and v.get("name")]
    return names


# --- Zendesk ---------------------------------------------------------------------------------

ZENDESK_PREFIX = "zen:event-type:ticket."


def zendesk_translate(payload: dict, mappings: Mappings) -> Translation:
    """Zendesk's ticket event webhooks: ``zen:event-type:ticket.created``, ``.status_changed``,
    ``.priority_changed``, ``.comment_added`` and ``.agent_assignment_changed``.

    A comment is a public reply when it is public and written by an agent (``author.is_staff``;
    failing that, by someone other than the requester). A ticket without a priority (Zendesk
    allows it) takes the source's default.
    """
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise PayloadInvalid("type", "type is missing.")
    if not kind.startswith(ZENDESK_PREFIX):
        return Translation(ticket=None, ignored=f"{kind} is not a ticket event")
    what = kind.removeprefix(ZENDESK_PREFIX)
    detail = _object(payload, "detail", where="")
    event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
    ticket_id = detail.get("id") or str(payload.get("subject") or "").rpartition(":")[2]
    if not ticket_id:
        raise PayloadInvalid("detail.id", "detail.id is missing.")
    event_id = payload.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise PayloadInvalid("id", "id (the event's id) is missing.")
    at = _instant(payload.get("time"), field_name="time")

    def priority(value, field_name: str) -> str:
        if value in (None, ""):
            return mappings.default_priority
        return _map(mappings.priorities, value, field_name=field_name)

    status_then = event.get("previous") if what == "status_changed" else detail.get("status")
    priority_then = event.get("previous") if what == "priority_changed" else detail.get("priority")
    created_at = detail.get("created_at")
    ticket = TicketFacts(
        external_id=str(ticket_id),
        created_at=_instant(created_at, field_name="detail.created_at") if created_at else at,
        status=_map(mappings.statuses, status_then or "open", field_name="detail.status"),
        priority=priority(priority_then, "detail.priority"),
        subject=str(detail.get("subject") or "")[:300],
        assignee=str(detail.get("assignee_id") or "")[:150],
        organizations=[str(detail["organization_id"])] if detail.get("organization_id") else [],
    )
    translation = Translation(ticket=ticket)
    if what == "created":
        translation.events.append(ticket.created_event())
    elif what == "status_changed":
        value = _map(mappings.statuses, event.get("current"), field_name="event.current")
        translation.events.append(Event(event_id, at, "status", value))
    elif what == "priority_changed":
        value = priority(event.get("current"), "event.current")
        translation.events.append(Event(event_id, at, "priority", value))
    elif what == "agent_assignment_changed":
        value = _person(event.get("current"))
        translation.events.append(Event(event_id, at, "assigned", value))
    elif what == "comment_added":
        comment = event.get("comment")
        if not isinstance(comment, dict):
            raise PayloadInvalid("event.comment", "event.comment must be an object.")
        author = comment.get("author") if isinstance(comment.get("author"), dict) else {}
        if "is_staff" in author:
            by_agent = bool(author["is_staff"])
        else:
            by_agent = str(author.get("id") or "") != str(detail.get("requester_id") or "")
        if comment.get("is_public") and by_agent:
            translation.events.append(Event(event_id, at, PUBLIC_REPLY))
        else:
            translation.events.append(Event(event_id, at, "comment", _text(comment.get("body"))))
    else:
        translation.ignored = f"{kind} does not concern a ticket's clocks"
    return translation
