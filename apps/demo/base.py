"""What every demo step shares: the people, the record of what was built, and ``ensure``.

LOCAL ONLY: every demo user has the password ``covenant-demo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from django.db.models import Model

from apps.calendars.models import Calendar
from apps.catalog.models import Customer, Indicator, Service, Team
from apps.contracts.models import CreditSchedule
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, SALES, SUPPORT

DEMO_PASSWORD = "covenant-demo"
# The first contract the demo signs: present means an earlier run completed (one transaction).
MARKER_CONTRACT = "ACME-001"

# username, first name, role, staff, team
PEOPLE = [
    ("alice", "Alice", SALES, False, None),
    ("bob", "Bob", ENGINEERING, True, "Payments"),
    ("erin", "Erin", ENGINEERING, True, "Search"),
    ("frank", "Frank", ENGINEERING, True, "Identity"),
    ("grace", "Grace", ENGINEERING, True, "Data Platform"),
    ("heidi", "Heidi", ENGINEERING, True, "Customer Support"),
    ("carol", "Carol", LEGAL, True, None),
    ("dave", "Dave", LEADERSHIP, True, None),
    ("support", "Sam", SUPPORT, True, None),
]
USERNAMES = [person[0] for person in PEOPLE] + ["admin"]


@dataclass
class Demo:
    """What the steps built so far, by natural key, and where to report."""

    out: TextIO
    users: dict[str, Model] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    indicators: dict[tuple[str, str], Indicator] = field(default_factory=dict)
    schedules: list[CreditSchedule] = field(default_factory=list)
    customers: dict[str, Customer] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        self.created[what] = self.created.get(what, 0) + int(created)

    def engineer_of(self, team_name: str):
        return next(self.users[username] for username, _, _, _, team in PEOPLE if team == team_name)


def ensure(model, *, user, reason: str, defaults: dict | None = None, **lookup):
    """The row matching ``lookup``, created (validated, with history user and reason) if missing."""
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found, False
    instance = model(**lookup, **(defaults or {}))
    instance.full_clean()
    instance._history_user = user
    instance._change_reason = reason
    instance.save()
    return instance, True
