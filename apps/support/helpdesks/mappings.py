"""What each helpdesk's own vocabulary means here: default status and priority mappings.

Pure data and a pure lookup, no Django: the webhook translators and the source's validation
share them. Keys are compared case-insensitively (Zendesk's event webhooks write ``OPEN``,
its triggers ``Open``, its API ``open``).
"""

from __future__ import annotations

JIRA_SERVICE_MANAGEMENT = "jira_service_management"
ZENDESK = "zendesk"

# Jira Service Management's default service-project workflow statuses.
JIRA_STATUSES = {
    "Open": "open",
    "Waiting for support": "open",
    "In progress": "open",
    "Work in progress": "open",
    "Escalated": "open",
    "Reopened": "open",
    "Waiting for customer": "pending_customer",
    "Pending": "on_hold",
    "Resolved": "solved",
    "Done": "solved",
    "Canceled": "closed",
    "Closed": "closed",
}
JIRA_PRIORITIES = {"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P4"}

# Zendesk's fixed ticket statuses and priorities.
ZENDESK_STATUSES = {
    "new": "open",
    "open": "open",
    "pending": "pending_customer",
    "hold": "on_hold",
    "solved": "solved",
    "closed": "closed",
}
ZENDESK_PRIORITIES = {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"}

DEFAULT_STATUSES = {JIRA_SERVICE_MANAGEMENT: JIRA_STATUSES, ZENDESK: ZENDESK_STATUSES}
DEFAULT_PRIORITIES = {JIRA_SERVICE_MANAGEMENT: JIRA_PRIORITIES, ZENDESK: ZENDESK_PRIORITIES}


class UnknownValue(ValueError):
    """A status or priority the source's mapping does not name."""

    def __init__(self, field: str, value: object, known: dict[str, str]):
        self.field = field
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"{field} {value!r} is not in this source's {field} mapping ({names}).")


def mapped(mapping: dict[str, str], value: object, *, field: str) -> str:
    """``mapping[value]`` compared case-insensitively; UnknownValue when it is not there."""
    if isinstance(value, str):
        wanted = value.strip().casefold()
        for name, ours in mapping.items():
            if name.casefold() == wanted:
                return ours
    raise UnknownValue(field, value, mapping)
