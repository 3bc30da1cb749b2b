"""The support desk's records: tickets, their append-only event log, and the clocks derived from it.

A clock is never patched: ``services.clocks_recompute`` works every clock of a ticket out again
from the whole log with the pure ``clocks`` module and stores the result here, so late and
out-of-order events (webhooks send both) give the same clocks as events sent in order.
"""

from django.db import models
from django.utils import timezone

from apps.catalog.models import Customer, Indicator, Service
from apps.contracts.models import Contract

from .choices import ClockMetric, ClockState, SupportPriority, TicketEventType, TicketStatus


class Ticket(models.Model):
    """A helpdesk ticket (or one of the built-in list) that Covenant holds to its service's targets.

    ``status``, ``priority``, ``assignee`` and the read-only readings are what the event log says
    as of its latest event; they are rewritten from the log whenever it changes.
    """

    source = models.CharField(
        max_length=40, help_text="Where the ticket lives: api, jira, zendesk, csv, builtin…"
    )
    external_id = models.CharField(max_length=100, help_text="The ticket's id in its source.")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="By default the customer's contract in force that covers the service.",
    )
    priority = models.CharField(max_length=2, choices=SupportPriority.choices)
    status = models.CharField(
        max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    subject = models.CharField(max_length=300, blank=True)
    assignee = models.CharField(
        max_length=150, blank=True, help_text="The agent as the source names them (often an email)."
    )
    created_at = models.DateTimeField()
    reopens = models.PositiveIntegerField(default=0, editable=False)
    first_resolution_seconds = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, help_text="Wall-clock, creation to the first solve."
    )
    full_resolution_seconds = models.PositiveBigIntegerField(
        null=True, blank=True, editable=False, help_text="Wall-clock, creation to the last solve."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                name="ticket_unique_source_external_id",
                violation_error_message="A ticket with this source and external id exists.",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "created_at"], name="ticket_service_created"),
            models.Index(fields=["customer", "created_at"], name="ticket_customer_created"),
        ]

    def __str__(self):
        return f"{self.source}:{self.external_id}"


class TicketEvent(models.Model):
    """One entry of a ticket's append-only log: what happened, when, and the source's event id.

    ``value`` is the new status, priority or assignee, the comment's text, or for ``created``
    ``{"priority", "status"}``; a public reply needs none. ``(source, event_id)`` is unique, so a
    helpdesk that sends an event twice records it once.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=TicketEventType.choices)
    at = models.DateTimeField(help_text="When it happened in the source.")
    value = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=40, editable=False)
    event_id = models.CharField(max_length=200, blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["ticket", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"],
                condition=~models.Q(event_id=""),
                name="ticketevent_unique_source_event_id",
                violation_error_message="This source already sent an event with this id.",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "at"], name="ticketevent_ticket_at")]

    def __str__(self):
        return f"{self.ticket_id} {self.type} @ {self.at:%Y-%m-%d %H:%M:%S}"


class TicketClock(models.Model):
    """One response or resolution clock of a ticket against one support indicator, per cycle.

    Readings are as of ``computed_at``. ``next_at`` is the next instant at which something happens
    to the clock without a new event (today its due; warnings and escalation levels will add
    theirs), null when nothing will: the evaluation finds the clocks needing attention with one
    range scan of its index.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="clocks")
    cycle = models.PositiveSmallIntegerField(default=1)
    metric = models.CharField(max_length=20, choices=ClockMetric.choices)
    priority = models.CharField(max_length=2, choices=SupportPriority.choices)
    state = models.CharField(max_length=20, choices=ClockState.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    business_elapsed_seconds = models.BigIntegerField(default=0)
    paused_seconds = models.BigIntegerField(default=0)
    target_seconds = models.BigIntegerField()
    breached = models.BooleanField(default=False)
    next_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "metric", "indicator", "cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "indicator", "cycle"], name="ticketclock_unique_cycle"
            ),
        ]
        indexes = [
            # Only clocks that will change on their own are in it: the sweep's range scan.
            models.Index(
                fields=["next_at"],
                name="ticketclock_next_at",
                condition=models.Q(next_at__isnull=False),
            ),
            models.Index(fields=["indicator", "stopped_at"], name="ticketclock_indicator_stop"),
        ]

    def __str__(self):
        return f"{self.ticket} {self.metric} #{self.cycle}: {self.state}"


# Escalations, breach reviews and helpdesk sources live in their own modules; imported here so
# Django registers their models.
from .escalation_models import (  # noqa: E402, F401
    BreachCause,
    BreachReview,
    Escalation,
    EscalationLevel,
    EscalationPolicy,
)
from .helpdesks.models import HelpdeskSource  # noqa: E402, F401
from .report_models import SupportReport  # noqa: E402, F401
