"""The support desk's vocabularies and their named groups.

Priorities and ticket statuses live with the catalog, whose support indicators name them too
(``priority``, ``pause_on``); they are re-exported here for the desk's own code.
"""

from django.db import models

from apps.catalog.choices import (  # noqa: F401 (re-exported)
    DEFAULT_PAUSE_ON,
    SOLVED_STATUSES,
    SUPPORT_KINDS,
    OnReopen,
    SupportPriority,
    TicketStatus,
)


class TicketEventType(models.TextChoices):
    CREATED = "created", "Created"
    STATUS = "status", "Status changed"
    PRIORITY = "priority", "Priority changed"
    PUBLIC_REPLY = "public_reply", "Public reply"
    ASSIGNED = "assigned", "Assigned"
    COMMENT = "comment", "Internal comment"


class ClockMetric(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


# A clock in these states may still change without a new event (its due can pass).
ACTIVE_CLOCK_STATES = frozenset({ClockState.RUNNING, ClockState.PAUSED})
# The indicator kind each metric's clocks belong to.
METRIC_OF_KIND = {
    "support_response": ClockMetric.RESPONSE,
    "support_resolution": ClockMetric.RESOLUTION,
}
