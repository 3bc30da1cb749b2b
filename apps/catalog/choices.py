from django.db import models


class IndicatorKind(models.TextChoices):
    AVAILABILITY = "availability", "Availability"
    LATENCY = "latency", "Latency"
    QUALITY = "quality", "Quality"
    SUPPORT_RESPONSE = "support_response", "Support response"
    SUPPORT_RESOLUTION = "support_resolution", "Support resolution"
    CUSTOM = "custom", "Custom"


# Kinds whose threshold is a limit to stay under (300 ms, 15 min): a lower threshold is stricter.
LOWER_THRESHOLD_IS_STRICTER = frozenset(
    {IndicatorKind.LATENCY, IndicatorKind.SUPPORT_RESPONSE, IndicatorKind.SUPPORT_RESOLUTION}
)


class IndicatorSource(models.TextChoices):
    API = "api", "API"
    CSV = "csv", "CSV upload"
    PROMETHEUS = "prometheus", "Prometheus"
    TICKETS = "tickets", "Support tickets"


# --- the support kinds: the vocabulary their indicators and the tickets share ---------

SUPPORT_KINDS = frozenset({IndicatorKind.SUPPORT_RESPONSE, IndicatorKind.SUPPORT_RESOLUTION})


class SupportPriority(models.TextChoices):
    P1 = "P1", "P1"
    P2 = "P2", "P2"
    P3 = "P3", "P3"
    P4 = "P4", "P4"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING_CUSTOMER = "pending_customer", "Pending customer"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


# Both stop a resolution clock; leaving them is a reopen.
SOLVED_STATUSES = frozenset({TicketStatus.SOLVED, TicketStatus.CLOSED})
# What a support indicator's clock pauses in unless it says otherwise.
DEFAULT_PAUSE_ON = {
    IndicatorKind.SUPPORT_RESPONSE: [],
    IndicatorKind.SUPPORT_RESOLUTION: [TicketStatus.PENDING_CUSTOMER, TicketStatus.ON_HOLD],
}


class OnReopen(models.TextChoices):
    CONTINUE = "continue", "Continue (the solved span does not count)"
    NEW_CYCLE = "new_cycle", "Start a new cycle"
