"""Local receivers that speak the Jira Cloud and Zendesk ticket-update APIs, for write-backs.

Served by ``tests.notifications.receivers.Running`` on 127.0.0.1, they check requests as the
vendors document them and answer as they do:

- Jira Cloud ``PUT /rest/api/3/issue/{issueIdOrKey}``: basic auth ``email:api_token``, a body
  ``{"fields": {…}}``; 204 with no body, 400 ``{"errorMessages": [], "errors": {field: …}}`` for
  a field it cannot set, 401 unauthenticated, 404 for an issue it does not have.
- Zendesk ``PUT /api/v2/tickets/{id}.json``: basic auth ``{email}/token:{api_token}``, a body
  ``{"ticket": {…}}``; 200 with the ticket, 401 ``{"error": "Couldn't authenticate you"}``,
  404 ``RecordNotFound``, 422 ``RecordInvalid`` for an unknown group.

``faults`` (inherited) are answered first, one per request, a 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from tests.notifications.receivers import Receiver, Request

JIRA_ISSUE = re.compile(r"^/rest/api/3/issue/(?P<key>[^/]+)$")
ZENDESK_TICKET = re.compile(r"^/api/v2/tickets/(?P<id>\d+)\.json$")


def _basic(request: Request) -> str:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return ""
    try:
        return base64.b64decode(auth.removeprefix("Basic ")).decode()
    except ValueError:
        return ""


@dataclass
class JiraReceiver(Receiver):
    """Jira Cloud issues with a group picker field; ``groups`` keeps what each issue holds."""

    email: str = "bot@example.com"
    token: str = "jira-token"
    group_field: str = "customfield_10050"
    issues: set[str] = field(default_factory=lambda: {"SUP-7"})
    groups: dict[str, dict] = field(default_factory=dict)

    def action_of(self, request):
        return "update" if request.method == "PUT" else ""

    def handle(self, request: Request):
        if _basic(request) != f"{self.email}:{self.token}":
            return 401, {"errorMessages": ["You are not authenticated."], "errors": {}}
        match = JIRA_ISSUE.match(request.path)
        if request.method != "PUT" or not match:
            return 404, {"errorMessages": ["Not found"], "errors": {}}
        if match["key"] not in self.issues:
            return 404, {
                "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                "errors": {},
            }
        try:
            fields = request.json().get("fields")
        except (ValueError, AttributeError):
            fields = None
        if not isinstance(fields, dict) or not fields:
            return 400, {"errorMessages": ["No fields to update."], "errors": {}}
        errors = {}
        for name, value in fields.items():
            if name != self.group_field:
                errors[name] = (
                    f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                    "or unknown."
                )
            elif not isinstance(value, dict) or not (value.get("groupId") or value.get("name")):
                errors[name] = "Specify a valid group: its groupId or name."
        if errors:
            return 400, {"errorMessages": [], "errors": errors}
        self.groups[match["key"]] = fields[self.group_field]
        return 204, None


@dataclass
class ZendeskReceiver(Receiver):
    """Zendesk tickets and groups; ``tickets`` keeps each ticket's group id."""

    email: str = "bot@example.com"
    token: str = "zendesk-token"
    group_ids: set[int] = field(default_factory=lambda: {360001, 360002})
    tickets: dict[str, int | None] = field(default_factory=lambda: {"4242": None})

    def action_of(self, request):
        return "update" if request.method == "PUT" else ""

    def handle(self, request: Request):
        if _basic(request) != f"{self.email}/token:{self.token}":
            return 401, {"error": "Couldn't authenticate you"}
        match = ZENDESK_TICKET.match(request.path)
        if request.method != "PUT" or not match or match["id"] not in self.tickets:
            return 404, {"error": "RecordNotFound", "description": "Not found"}
        try:
            ticket = request.json().get("ticket")
        except (ValueError, AttributeError):
            ticket = None
        if not isinstance(ticket, dict):
            return 400, {"error": "InvalidEndpoint", "description": "Expected a ticket object"}
        group_id = ticket.get("group_id")
        if group_id not in self.group_ids:
            return 422, {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"group": [{"description": "Group: is invalid", "error": "invalid"}]},
            }
        self.tickets[match["id"]] = group_id
        return 200, {
            "ticket": {"id": int(match["id"]), "group_id": group_id, "status": "open"},
            "audit": {"ticket_id": int(match["id"]), "events": [{"type": "Change"}]},
        }
