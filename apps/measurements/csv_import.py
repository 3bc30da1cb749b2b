"""CSV upload of SLI samples (the admin's "Upload CSV"): parse, check every row, then upsert.

The file has a header row and the columns ``indicator, start, end, good, total`` in any order:

- indicator: the indicator's id (``12``) or ``<service slug>/<indicator name>``
  (``payments-api/Availability``);
- start, end: ISO 8601 timestamps with a UTC offset (``2026-03-01T00:00:00Z``), end after start;
- good, total: whole numbers, 0 ≤ good ≤ total.

Row numbers are those a spreadsheet shows: the header is row 1, the first sample row 2. A file
with any bad row imports nothing; the preview lists every bad row, its column and why. Rows go
through ``samples_ingest``, the same checks as the REST API (overlapping buckets, team
ownership), so re-uploading a file replaces its buckets and never counts them twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from apps.catalog.models import Indicator
from apps.core import csvfiles
from apps.core.csvfiles import RowError

from .sample_rows import SamplesInvalid, samples_parse
from .services import UpsertResult, samples_ingest

COLUMNS = ("indicator", "start", "end", "good", "total")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
WHOLE_NUMBER = re.compile(r"^[0-9]+$")


@dataclass
class CsvSamples:
    """A parsed upload: one item per sample row (as the ingestion service takes them)."""

    items: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    result: UpsertResult | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _indicators(references: set[str]) -> dict[str, Indicator]:
    """{reference as written: indicator} for ids and service-slug/name references, one query."""
    ids = {int(ref) for ref in references if ref.isdigit()}
    pairs = {tuple(ref.split("/", 1)) for ref in references if "/" in ref}
    query = Q(pk__in=ids)
    for slug, name in pairs:
        query |= Q(service__slug=slug, name=name)
    if not ids and not pairs:
        return {}
    found = {}
    for indicator in Indicator.objects.select_related("service").filter(query):
        found[str(indicator.pk)] = indicator
        found[f"{indicator.service.slug}/{indicator.name}"] = indicator
    return found


def samples_csv_parse(data: bytes) -> CsvSamples:
    """Read an uploaded file; every problem becomes a RowError (row 1 is the header)."""
    parsed = CsvSamples()
    records, parsed.errors = csvfiles.read_records(
        data,
        columns=COLUMNS,
        required=COLUMNS,
        max_bytes=MAX_BYTES,
        max_rows=MAX_ROWS,
        nothing_in_it="The file has no sample rows.",
    )
    if records:
        _check_records(parsed, records)
    return parsed


def _check_records(parsed: CsvSamples, records: list) -> None:
    indicators = _indicators({record["indicator"] for _, record in records})
    for row_number, record in records:
        problems = []
        indicator = indicators.get(record["indicator"])
        if indicator is None:
            problems.append(RowError(row_number, "indicator", _unknown(record["indicator"])))
        for column in ("good", "total"):
            if not WHOLE_NUMBER.match(record[column]):
                message = f"must be a whole number of events (got {record[column]!r})"
                problems.append(RowError(row_number, column, message))
        if problems:
            parsed.errors.extend(problems)
            continue
        parsed.items.append(
            {
                "indicator": indicator.pk,
                "start": record["start"],
                "end": record["end"],
                "good": int(record["good"]),
                "total": int(record["total"]),
            }
        )
        parsed.row_numbers.append(row_number)
        parsed.labels.append(f"{indicator.service.slug}/{indicator.name}")
    if parsed.items:
        try:
            samples_parse(parsed.items)
        except SamplesInvalid as invalid:
            _add_sample_errors(parsed, invalid)
    parsed.errors.sort(
        key=lambda error: (
            error.row,
            COLUMNS.index(error.column) if error.column in COLUMNS else -1,
        )
    )


def _unknown(reference: str) -> str:
    if reference.isdigit():
        return f"no indicator with id {reference}"
    if "/" in reference:
        return f"no indicator {reference!r} (service slug / indicator name)"
    return "give the indicator's id or <service slug>/<indicator name>"


def _add_sample_errors(parsed: CsvSamples, invalid: SamplesInvalid) -> None:
    for index, fields in invalid.rows.items():
        for column, messages in fields.items():
            for message in messages:
                # The ingestion messages name rows by their index in the list; here they are
                # spreadsheet rows.
                message = re.sub(
                    r"\b([Rr]ow) (\d+)\b",
                    lambda match: f"{match[1]} {parsed.row_numbers[int(match[2])]}",
                    message,
                )
                column_name = column if column in COLUMNS else ""
                parsed.errors.append(RowError(parsed.row_numbers[index], column_name, message))
    hidden = invalid.error_count - len(invalid.rows)
    if hidden > 0:
        parsed.errors.append(RowError(0, "", f"… and {hidden} more bad rows."))


def samples_csv_import(*, user, data: bytes, dry_run: bool = False) -> CsvSamples:
    """Parse and, when every row is good, upsert through the ingestion service.

    With ``dry_run`` nothing is kept: the preview shows exactly what confirming will do
    (created and updated counts, overlap and ownership errors included).
    """
    parsed = samples_csv_parse(data)
    if not parsed.ok:
        return parsed
    try:
        with transaction.atomic():
            parsed.result = samples_ingest(user=user, items=parsed.items)
            if dry_run:
                transaction.set_rollback(True)
    except SamplesInvalid as invalid:
        _add_sample_errors(parsed, invalid)
    except PermissionDenied as denied:
        parsed.errors.append(RowError(0, "indicator", str(denied)))
    return parsed
