"""Writes of the support desk: tickets, their events, their clocks and the SLI samples they feed.

Every write of the log ends in ``clocks_recompute``: the ticket's clocks are worked out again
from its whole log by the pure ``clocks`` module (never patched), stored as TicketClock rows,
and the hourly SLI samples of the hours whose stopped clocks changed are counted again, so a
late or out-of-order event corrects the clocks and the samples it touches.

Bad input raises ``ValidationError`` naming the field and writes nothing; the callers (API,
webhooks, CSV upload, the built-in list) check who may write before calling.
"""

from .breaches import breach_review_record
from .evaluation import clocks_evaluate
from .events import (
    FUTURE_TOLERANCE,
    EventAdded,
    EventsInvalid,
    IngestResult,
    ticket_create,
    ticket_event_add,
    ticket_events_ingest,
)
from .recompute import (
    clocks_recompute,
    clocks_recompute_many,
    support_samples_recount,
)

__all__ = [
    "FUTURE_TOLERANCE",
    "EventAdded",
    "EventsInvalid",
    "IngestResult",
    "breach_review_record",
    "clocks_evaluate",
    "clocks_recompute",
    "clocks_recompute_many",
    "support_samples_recount",
    "ticket_create",
    "ticket_event_add",
    "ticket_events_ingest",
]
