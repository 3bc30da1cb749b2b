"""Tickets and their events in: validated, idempotent on the source's event id, then the
ticket's clocks recomputed (``recompute``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.catalog.models import Customer, Service
from apps.contracts.models import Contract
from apps.core.bulk import rows_insert

from ..choices import SupportPriority, TicketEventType, TicketStatus
from ..clocks import LogEvent
from ..models import Ticket, TicketEvent
from ..selectors import contract_in_force
from .recompute import clocks_recompute, clocks_recompute_many, ticket_readings_apply

# Clocks of helpdesks drift: an event stamped a little ahead of our clock is accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)
EVENT_TYPES = frozenset(TicketEventType.values) - {TicketEventType.CREATED}
# A response naming a million bad rows helps no one: name the first ones and count the rest.
MAX_REPORTED_ROWS = 100


class EventAdded(NamedTuple):
    """The outcome of adding one event: the stored row and whether it was already there."""

    event: TicketEvent
    duplicate: bool


class IngestResult(NamedTuple):
    created: int
    duplicates: int


class EventsInvalid(ValidationError):
    """Some events of a bulk ingestion are wrong; ``rows`` maps each index to {field: [msgs]}."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        self.error_count = len(rows)
        self.rows = dict(sorted(rows.items())[:MAX_REPORTED_ROWS])
        index, fields = next(iter(self.rows.items()))
        field, messages = next(iter(fields.items()))
        super().__init__(
            {
                "rows": [
                    f"{self.error_count} event(s) are invalid; row {index}, {field}: {messages[0]}"
                ]
            }
        )

    def as_response(self) -> dict:
        body: dict = {"rows": {str(index): fields for index, fields in self.rows.items()}}
        if self.error_count > len(self.rows):
            body["error_count"] = self.error_count
        return body


# --- validation --------------------------------------------------------------------------------


def _instant(value, name: str = "at") -> datetime:
    """An aware datetime from a datetime or ISO 8601 text with an offset."""
    moment = value
    if isinstance(value, str):
        try:
            moment = parse_datetime(value)
        except ValueError:  # well formed but impossible: 12:99, February 30th
            moment = None
    if not isinstance(moment, datetime):
        raise ValidationError({name: [f"Give an ISO 8601 timestamp with offset, not {value!r}."]})
    if timezone.is_naive(moment):
        raise ValidationError({name: ["Give the timestamp's offset (e.g. 2026-03-02T09:00:00Z)."]})
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:  # year 1 with a negative offset
        raise ValidationError({name: ["The timestamp is out of range."]}) from error


def _check_not_future(at: datetime, now: datetime, name: str = "at") -> None:
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({name: [f"{at.isoformat()} is in the future."]})


def _check_choice(value, choices, name: str, what: str) -> None:
    if value not in choices:
        known = ", ".join(choices)
        raise ValidationError({name: [f"Unknown {what} {value!r}; one of {known}."]})


def _check_event(*, type: str, value, at: datetime, created_at: datetime, now: datetime) -> None:
    """A non-creation event's own rules: a known type and value, within the ticket's life."""
    _check_choice(type, sorted(EVENT_TYPES), "type", "event type")
    if type == TicketEventType.STATUS:
        _check_choice(value, TicketStatus.values, "value", "status")
    elif type == TicketEventType.PRIORITY:
        _check_choice(value, SupportPriority.values, "value", "priority")
    elif type == TicketEventType.ASSIGNED and value is not None and not isinstance(value, str):
        raise ValidationError({"value": ["An assignment's value is the assignee, as text."]})
    if at < created_at:
        raise ValidationError(
            {
                "at": [
                    f"{at.isoformat()} is before the ticket's creation ({created_at.isoformat()})."
                ]
            }
        )
    _check_not_future(at, now)


def _same_content(event: TicketEvent, ticket_id: int, type: str, at: datetime, value) -> bool:
    return (event.ticket_id, event.type, event.at, event.value) == (ticket_id, type, at, value)


def _duplicate_of(source: str, event_id: str, ticket_id: int, type: str, at, value):
    """The stored event with this source id if it says the same, None if there is none; a stored
    event with the same id that says something else is refused."""
    if not event_id:
        return None
    stored = TicketEvent.objects.filter(source=source, event_id=event_id).first()
    if stored is None:
        return None
    if not _same_content(stored, ticket_id, type, at, value):
        raise ValidationError(
            {
                "event_id": [
                    f"Event {event_id!r} of {source} was already received with other content."
                ]
            }
        )
    return stored


# --- tickets and events ------------------------------------------------------------------------


def ticket_create(
    *,
    source: str,
    external_id: str,
    service: Service,
    priority: str,
    created_at: datetime,
    status: str = TicketStatus.OPEN,
    customer: Customer | None = None,
    contract: Contract | None = None,
    subject: str = "",
    assignee: str = "",
    event_id: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Create a ticket with its ``created`` event (and an ``assigned`` one when it has an
    assignee), then its clocks. ``contract`` defaults to the customer's contract in force that
    covers the service; ``created_at`` may be in the past (history) but not in the future."""
    now = now or timezone.now()
    created_at = _instant(created_at, "created_at")
    _check_choice(priority, SupportPriority.values, "priority", "priority")
    _check_choice(status, TicketStatus.values, "status", "status")
    _check_not_future(created_at, now, "created_at")
    if not source or not external_id:
        raise ValidationError({"external_id" if source else "source": ["This field is required."]})
    if contract is None:
        contract = contract_in_force(customer=customer, service=service, on=created_at.date())
    elif customer is not None and contract.customer_id != customer.pk:
        raise ValidationError({"contract": ["This contract is another customer's."]})
    with transaction.atomic():
        if Ticket.objects.filter(source=source, external_id=external_id).exists():
            raise ValidationError(
                {"external_id": [f"Ticket {external_id!r} of {source} already exists."]}
            )
        ticket = Ticket.objects.create(
            source=source,
            external_id=external_id,
            service=service,
            customer=customer or (contract.customer if contract else None),
            contract=contract,
            priority=priority,
            status=status,
            subject=subject,
            assignee=assignee,
            created_at=created_at,
        )
        _duplicate_of(source, event_id, ticket.pk, TicketEventType.CREATED, created_at, None)
        events = [
            TicketEvent(
                ticket=ticket,
                type=TicketEventType.CREATED,
                at=created_at,
                value={"priority": priority, "status": status},
                source=source,
                event_id=event_id,
            )
        ]
        if assignee:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    type=TicketEventType.ASSIGNED,
                    at=created_at,
                    value=assignee,
                    source=source,
                )
            )
        TicketEvent.objects.bulk_create(events)
        clocks_recompute(ticket=ticket, now=now)
    return ticket


def ticket_event_add(
    *,
    ticket: Ticket,
    type: str,
    at: datetime | str,
    value=None,
    event_id: str = "",
    now: datetime | None = None,
) -> EventAdded:
    """Append one event to a ticket's log and recompute its clocks.

    Idempotent on (the ticket's source, ``event_id``): the same event again is reported as a
    duplicate and writes nothing; another event under the same id is refused (``event_id``).
    """
    now = now or timezone.now()
    at = _instant(at)
    event_id = event_id or ""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        _check_event(type=type, value=value, at=at, created_at=ticket.created_at, now=now)
        stored = _duplicate_of(ticket.source, event_id, ticket.pk, type, at, value)
        if stored is not None:
            return EventAdded(stored, duplicate=True)
        event = TicketEvent.objects.create(
            ticket=ticket, type=type, at=at, value=value, source=ticket.source, event_id=event_id
        )
        clocks_recompute(ticket=ticket, now=now)
    return EventAdded(event, duplicate=False)


class _Row(NamedTuple):
    index: int
    source: str
    external_id: str
    event_id: str
    at: datetime
    type: str
    value: object


def _has_nul(value) -> bool:
    """Whether any text in ``value`` holds a NUL: PostgreSQL stores it in no text column."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _parse_rows(items) -> list[_Row]:
    if not isinstance(items, list):
        raise ValidationError({"events": ["Send a list of events."]})
    rows, errors = [], {}
    for index, item in enumerate(items):
        try:
            if not isinstance(item, Mapping):
                raise ValidationError({"non_field_errors": ["Each event is an object."]})
            missing = [f for f in ("source", "external_id", "at", "type") if not item.get(f)]
            if missing:
                raise ValidationError({f: ["This field is required."] for f in missing})
            nul = [
                f
                for f in ("source", "external_id", "event_id", "type", "value")
                if _has_nul(item.get(f))
            ]
            if nul:
                raise ValidationError({f: ["Null characters are not allowed."] for f in nul})
            rows.append(
                _Row(
                    index,
                    str(item["source"]),
                    str(item["external_id"]),
                    str(item.get("event_id") or ""),
                    _instant(item["at"]),
                    str(item["type"]),
                    item.get("value"),
                )
            )
        except ValidationError as error:
            errors[index] = error.message_dict
    if errors:
        raise EventsInvalid(errors)
    return rows


def _created_fields(row: _Row, services: dict, customers: dict) -> dict:
    """The ticket a ``created`` event describes: its value holds service (id or slug), priority,
    and optionally status, customer (id or name), subject and assignee."""
    value = row.value if isinstance(row.value, Mapping) else {}
    service = services.get(str(value.get("service")))
    if service is None:
        raise ValidationError({"value": [f"Unknown service {value.get('service')!r}."]})
    customer = None
    if value.get("customer") not in (None, ""):
        customer = customers.get(str(value["customer"]))
        if customer is None:
            raise ValidationError({"value": [f"Unknown customer {value.get('customer')!r}."]})
    priority, status = value.get("priority"), value.get("status") or TicketStatus.OPEN
    if priority not in SupportPriority.values:
        raise ValidationError({"value": [f"Unknown priority {priority!r}."]})
    if status not in TicketStatus.values:
        raise ValidationError({"value": [f"Unknown status {status!r}."]})
    return {
        "service": service,
        "customer": customer,
        "priority": priority,
        "status": status,
        "subject": str(value.get("subject") or "")[:300],
        "assignee": str(value.get("assignee") or "")[:150],
    }


def _lookups(rows: list[_Row]) -> tuple[dict, dict]:
    """Services and customers named by the creations, by id and by slug or name."""
    named = [
        r.value for r in rows if r.type == TicketEventType.CREATED and isinstance(r.value, Mapping)
    ]
    service_keys = {str(v.get("service")) for v in named}
    customer_keys = {str(v.get("customer")) for v in named if v.get("customer") not in (None, "")}
    ids = [int(k) for k in service_keys if k.isdigit()]
    services = {}
    for service in Service.objects.filter(Q(slug__in=service_keys) | Q(pk__in=ids)):
        services[service.slug] = services[str(service.pk)] = service
    ids = [int(k) for k in customer_keys if k.isdigit()]
    customers = {}
    for customer in Customer.objects.filter(Q(name__in=customer_keys) | Q(pk__in=ids)):
        customers[customer.name] = customers[str(customer.pk)] = customer
    return services, customers


def ticket_events_ingest(*, events: list, now: datetime | None = None) -> IngestResult:
    """Ingest events of many tickets at once: ``{source, external_id, event_id, at, type,
    value}`` each, in any order; a ``created`` event creates its ticket (see
    ``_created_fields`` for its value). All or nothing: any bad event raises ``EventsInvalid``
    (rows by index) and nothing is written. Events already received count as duplicates.
    Each touched ticket's clocks are recomputed once, from its whole log.
    """
    now = now or timezone.now()
    rows = _parse_rows(events)
    errors: dict[int, dict] = {}
    with transaction.atomic():
        keys = {(r.source, r.external_id) for r in rows}
        tickets = _locked_tickets(keys)
        tickets_before = set(tickets)
        services, customers = _lookups(rows)
        creations = {}
        for row in rows:
            if row.type != TicketEventType.CREATED:
                continue
            try:
                fields = _created_fields(row, services, customers)
                _check_not_future(row.at, now)
            except ValidationError as error:
                errors[row.index] = error.message_dict
                continue
            key = (row.source, row.external_id)
            known = tickets.get(key)
            if known is not None and known.created_at != row.at:
                errors[row.index] = {"external_id": ["This ticket already exists."]}
            elif key in creations and creations[key][0].at != row.at:
                errors[row.index] = {"type": ["This ticket is created twice."]}
            else:
                creations.setdefault(key, (row, fields))
        created_at = {key: t.created_at for key, t in tickets.items()}
        created_at.update({key: row.at for key, (row, _) in creations.items()})
        stored = _stored_events(rows)
        seen: dict[tuple[str, str], _Row] = {}
        accepted: list[_Row] = []
        duplicates = 0
        for row in rows:
            key = (row.source, row.external_id)
            try:
                if row.type != TicketEventType.CREATED:
                    if key not in created_at:
                        raise ValidationError(
                            {"external_id": ["Unknown ticket: send its created event."]}
                        )
                    _check_event(
                        type=row.type,
                        value=row.value,
                        at=row.at,
                        created_at=created_at[key],
                        now=now,
                    )
                if row.event_id:
                    if _is_duplicate(row, stored, seen, tickets):
                        duplicates += 1
                        continue
                    seen[(row.source, row.event_id)] = row
                accepted.append(row)
            except ValidationError as error:
                errors.setdefault(row.index, error.message_dict)
        if errors:
            raise EventsInvalid(errors)
        _create_tickets(creations, tickets, accepted)
        new_events = []
        # Every stored ticket already has its creation: a creation sent again adds nothing.
        created_logged = set(tickets_before)
        for row in accepted:
            key = (row.source, row.external_id)
            ticket = tickets[key]
            value = row.value
            if row.type == TicketEventType.CREATED:
                if key in created_logged:
                    duplicates += 1
                    continue
                created_logged.add(key)
                fields = creations[key][1]
                value = {"priority": fields["priority"], "status": fields["status"]}
            new_events.append(
                TicketEvent(
                    ticket=ticket,
                    type=row.type,
                    at=row.at,
                    value=value,
                    source=row.source,
                    event_id=row.event_id,
                    received_at=now,
                )
            )
        rows_insert(TicketEvent, new_events)
        touched = {event.ticket_id: event.ticket for event in new_events}
        clocks_recompute_many(tickets=list(touched.values()), now=now)
    return IngestResult(created=len(new_events), duplicates=duplicates)


def _create_tickets(creations: dict, tickets: dict, accepted: list[_Row]) -> None:
    """Create the batch's new tickets at once, already saying what their events in the batch
    say (status, priority, assignee…), so the recomputation rewrites none of them."""
    logs = defaultdict(list)
    for row in accepted:
        if row.type != TicketEventType.CREATED:
            logs[(row.source, row.external_id)].append(
                LogEvent(row.at, row.type, row.value, row.event_id)
            )
    contracts: dict = {}
    new = []
    for key, (row, fields) in creations.items():
        if key in tickets:
            continue
        on = row.at.date()
        lookup = (fields["customer"], fields["service"], on)
        if lookup not in contracts:
            contracts[lookup] = contract_in_force(
                customer=fields["customer"], service=fields["service"], on=on
            )
        ticket = Ticket(
            source=row.source,
            external_id=row.external_id,
            created_at=row.at,
            contract=contracts[lookup],
            **fields,
        )
        created = LogEvent(
            row.at, TicketEventType.CREATED, {"priority": ticket.priority, "status": ticket.status}
        )
        ticket_readings_apply(ticket=ticket, log=[created, *logs[key]])
        tickets[key] = ticket
        new.append(ticket)
    Ticket.objects.bulk_create(new, batch_size=2000)


def _locked_tickets(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Ticket]:
    """The stored tickets among these (source, external id), locked until the transaction ends."""
    if not keys:
        return {}
    # Both lists as IN: the unique index answers them, and building an OR of thousands of pairs
    # costs more than reading the few extra rows the cross product may bring.
    queryset = Ticket.objects.select_for_update().filter(
        source__in={source for source, _ in keys},
        external_id__in={external_id for _, external_id in keys},
    )
    found = queryset.order_by("id")
    return {(t.source, t.external_id): t for t in found if (t.source, t.external_id) in keys}


def _stored_events(rows: list[_Row]) -> dict[tuple[str, str], TicketEvent]:
    ids = defaultdict(set)
    for row in rows:
        if row.event_id:
            ids[row.source].add(row.event_id)
    match = Q()
    for source, event_ids in ids.items():
        match |= Q(source=source, event_id__in=sorted(event_ids))
    if not ids:
        return {}
    return {
        (e.source, e.event_id): e
        for e in TicketEvent.objects.filter(match).select_related("ticket")
    }


def _is_duplicate(row: _Row, stored: dict, seen: dict, tickets: dict) -> bool:
    """Whether the row repeats an event received before (or earlier in the batch); an event id
    reused for other content is refused."""
    key = (row.source, row.event_id)
    previous = seen.get(key)
    if previous is not None:
        if (previous.external_id, previous.type, previous.at, previous.value) != (
            row.external_id,
            row.type,
            row.at,
            row.value,
        ):
            raise ValidationError(
                {"event_id": [f"Event {row.event_id!r} is sent twice with other content."]}
            )
        return True
    event = stored.get(key)
    if event is None:
        return False
    value = event.value
    if row.type == TicketEventType.CREATED:
        value = row.value if event.ticket.external_id == row.external_id else None
    same = (event.ticket.external_id, event.type, event.at, value) == (
        row.external_id,
        row.type,
        row.at,
        row.value,
    )
    if not same:
        raise ValidationError(
            {
                "event_id": [
                    f"Event {row.event_id!r} of {row.source} was already received "
                    "with other content."
                ]
            }
        )
    return True
