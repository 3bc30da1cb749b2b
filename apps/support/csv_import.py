"""CSV upload of ticket history (the admin's "Upload ticket history"): parse, check, ingest.

A header row, then one event per row; columns in any order:

- ``external_id`` (required): the ticket's id in its source;
- ``at`` (required): ISO 8601 with an offset (``2026-03-02T09:00:00Z``);
- ``type`` (required): ``created``, ``status``, ``priority``, ``public_reply``, ``assigned``,
  ``comment``;
- ``value``: the new status, priority or assignee, or the comment's text;
- ``source`` (default ``csv``) and ``event_id`` (default: a digest of the row, so uploading the
  same file again adds nothing);
- for ``created`` rows: ``service`` (slug or id, required), ``priority`` (required), ``status``
  (default open), ``customer`` (name or id), ``subject``.

Row numbers are a spreadsheet's (the header is row 1). A file with any bad row imports nothing:
the preview lists each bad row, its column and why. Good files go through
``ticket_events_ingest``, the same checks as the REST API and the webhooks, which recomputes the
touched tickets' clocks and SLI samples (a backfill corrects them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from apps.catalog.models import Customer, Service
from apps.core import csvfiles
from apps.core.csvfiles import RowError

from .choices import SupportPriority, TicketEventType, TicketStatus
from .services import EventsInvalid, IngestResult, ticket_events_ingest

REQUIRED = ("external_id", "at", "type")
OPTIONAL = ("value", "source", "event_id", "service", "priority", "status", "customer", "subject")
COLUMNS = REQUIRED + OPTIONAL
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
DEFAULT_SOURCE = "csv"


@dataclass
class CsvTicketHistory:
    """A parsed upload: the events as ``ticket_events_ingest`` takes them, with their rows."""

    items: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    result: IngestResult | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def tickets(self) -> int:
        return len({(item["source"], item["external_id"]) for item in self.items})


def _lookups(records) -> tuple[dict, dict]:
    """Services by slug and id, customers by name and id, for the names the file uses."""
    services_named = {r["service"] for _, r in records if r.get("service")}
    customers_named = {r["customer"] for _, r in records if r.get("customer")}
    services, customers = {}, {}
    if services_named:
        ids = [int(n) for n in services_named if n.isdigit()]
        for service in Service.objects.filter(Q(slug__in=services_named) | Q(pk__in=ids)):
            services[service.slug] = services[str(service.pk)] = service
    if customers_named:
        ids = [int(n) for n in customers_named if n.isdigit()]
        for customer in Customer.objects.filter(Q(name__in=customers_named) | Q(pk__in=ids)):
            customers[customer.name] = customers[str(customer.pk)] = customer
    return services, customers


def _digest(record: dict) -> str:
    text = "\x1f".join(record.get(c, "") for c in ("external_id", "at", "type", "value"))
    return "csv-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _row_item(row_number, record, services, customers) -> tuple[dict | None, list[RowError]]:
    problems = []
    kind = record["type"]
    value: object = record.get("value") or None
    if kind not in TicketEventType.values:
        problems.append(
            RowError(
                row_number,
                "type",
                f"unknown type {kind!r}; one of {', '.join(TicketEventType.values)}",
            )
        )
    elif kind == TicketEventType.CREATED:
        service = services.get(record.get("service", ""))
        if service is None:
            problems.append(
                RowError(row_number, "service", _unknown("service", record.get("service")))
            )
        priority = record.get("priority", "")
        if priority not in SupportPriority.values:
            problems.append(RowError(row_number, "priority", _unknown("priority", priority)))
        status = record.get("status") or TicketStatus.OPEN
        if status not in TicketStatus.values:
            problems.append(RowError(row_number, "status", _unknown("status", status)))
        customer = None
        if record.get("customer"):
            customer = customers.get(record["customer"])
            if customer is None:
                problems.append(
                    RowError(row_number, "customer", _unknown("customer", record["customer"]))
                )
        if not problems:
            value = {
                "service": service.pk,
                "customer": customer.pk if customer else None,
                "priority": priority,
                "status": status,
                "subject": record.get("subject", ""),
            }
    elif kind == TicketEventType.STATUS and value not in TicketStatus.values:
        problems.append(RowError(row_number, "value", _unknown("status", value)))
    elif kind == TicketEventType.PRIORITY and value not in SupportPriority.values:
        problems.append(RowError(row_number, "value", _unknown("priority", value)))
    elif kind == TicketEventType.PUBLIC_REPLY:
        value = None
    if problems:
        return None, problems
    return {
        "source": record.get("source") or DEFAULT_SOURCE,
        "external_id": record["external_id"],
        "event_id": record.get("event_id") or _digest(record),
        "at": record["at"],
        "type": kind,
        "value": value,
    }, []


def _unknown(what: str, value) -> str:
    if not value:
        return f"give the {what}"
    return f"unknown {what} {value!r}"


def ticket_history_csv_parse(data: bytes) -> CsvTicketHistory:
    """Read an uploaded file; every problem becomes a RowError. Nothing is written."""
    parsed = CsvTicketHistory()
    records, parsed.errors = csvfiles.read_records(
        data,
        columns=COLUMNS,
        required=REQUIRED,
        required_values=REQUIRED,
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        nothing_in_it="The file has no event rows.",
    )
    services, customers = _lookups(records)
    for row_number, record in records:
        item, problems = _row_item(row_number, record, services, customers)
        if problems:
            parsed.errors += problems
            continue
        parsed.items.append(item)
        parsed.row_numbers.append(row_number)
    return parsed


def _add_ingest_errors(parsed: CsvTicketHistory, invalid: EventsInvalid) -> None:
    for index, fields in invalid.rows.items():
        for column, messages in fields.items():
            for message in messages:
                column_name = column if column in COLUMNS else ""
                parsed.errors.append(RowError(parsed.row_numbers[index], column_name, message))
    hidden = invalid.error_count - len(invalid.rows)
    if hidden > 0:
        parsed.errors.append(RowError(0, "", f"… and {hidden} more bad rows."))


def ticket_history_csv_import(*, data: bytes, dry_run: bool = False) -> CsvTicketHistory:
    """Parse and, when every row is good, ingest (all or nothing). With ``dry_run`` the ingestion
    runs and is rolled back, so the preview shows exactly what confirming will do."""
    parsed = ticket_history_csv_parse(data)
    if not parsed.ok:
        return parsed
    try:
        with transaction.atomic():
            parsed.result = ticket_events_ingest(events=parsed.items)
            if dry_run:
                transaction.set_rollback(True)
    except EventsInvalid as invalid:
        _add_ingest_errors(parsed, invalid)
    except ValidationError as invalid:
        for column, messages in invalid.message_dict.items():
            parsed.errors += [RowError(0, column if column in COLUMNS else "", m) for m in messages]
    parsed.errors.sort(key=lambda error: error.row)
    return parsed
