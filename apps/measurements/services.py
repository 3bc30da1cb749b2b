"""Writes of SLI samples: every row validated, then one idempotent upsert on (indicator, start).

Who may write samples of an indicator: a user holding ``measurements.add_slisample`` who also
is a superuser, or holds ``measurements.change_slisample`` (a collector trusted with every
service), or is a member of the team that owns the indicator's service. Machine users are
ordinary users given ``add_slisample`` and added to their service's team, so a leaked token of
one team cannot rewrite another team's history.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import Q

from apps.catalog.models import Indicator

from .models import SLISample

BIGINT_MAX = 2**63 - 1
FIELDS = ("indicator", "start", "end", "good", "total")
# A response naming a million bad rows helps no one: name the first ones and count the rest.
MAX_REPORTED_ROWS = 100


class SampleRow(NamedTuple):
    """One bucket of counts, already parsed; start and end are aware datetimes.

    A tuple, not an object: ingestion handles a million of them and COPY takes tuples as they are.
    """

    indicator_id: int
    start: datetime
    end: datetime
    good: int
    total: int


class UpsertResult(NamedTuple):
    created: int
    updated: int


class SamplesInvalid(ValidationError):
    """Some rows are wrong; ``rows`` maps each row index to {field: [messages]}."""

    def __init__(self, rows: dict[int, dict[str, list[str]]], error_count: int | None = None):
        self.rows = dict(sorted(rows.items())[:MAX_REPORTED_ROWS])
        self.error_count = error_count if error_count is not None else len(rows)
        first = next(iter(self.rows.items()), None)
        summary = f"{self.error_count} row(s) are invalid"
        if first:
            index, fields = first
            field, messages = next(iter(fields.items()))
            summary += f"; row {index}, {field}: {messages[0]}"
        super().__init__({"rows": [summary]})

    def as_response(self) -> dict:
        body: dict = {"rows": {str(index): fields for index, fields in self.rows.items()}}
        if self.error_count > len(self.rows):
            body["error_count"] = self.error_count
        return body


# --- parsing -----------------------------------------------------------------------------------


def _count_errors(value, name: str) -> list[str]:
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{name} must be a finite whole number, not {value}."]
    if type(value) is not int:
        return [f"{name} must be a whole number (got {value!r})."]
    if value < 0:
        return [f"{name} cannot be negative (got {value})."]
    if value > BIGINT_MAX:
        return [f"{name} is too large (at most {BIGINT_MAX})."]
    return []


def _timestamp(value, name: str) -> tuple[datetime | None, list[str]]:
    if not isinstance(value, str):
        return None, [f"{name} must be an ISO 8601 timestamp with offset (got {value!r})."]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None, [f"{name} is not an ISO 8601 timestamp: {value!r}."]
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, [f"{name} needs a UTC offset, e.g. {value}Z or {value}+00:00."]
    return parsed, []


def _row_errors(item) -> dict[str, list[str]]:
    """Every problem of one row, per field (the slow path, only for rows that failed)."""
    if not isinstance(item, dict):
        return {"non_field_errors": [f"Each sample is an object with {', '.join(FIELDS)}."]}
    errors: dict[str, list[str]] = {}
    for field in FIELDS:
        if field not in item:
            errors[field] = ["This field is required."]
    indicator = item.get("indicator")
    if "indicator" in item and (type(indicator) is not int or indicator <= 0):
        errors["indicator"] = [f"indicator must be an indicator id (got {indicator!r})."]
    start = end = None
    if "start" in item:
        start, messages = _timestamp(item["start"], "start")
        if messages:
            errors["start"] = messages
    if "end" in item:
        end, messages = _timestamp(item["end"], "end")
        if messages:
            errors["end"] = messages
    if start and end and end <= start:
        errors["end"] = [f"end must be after start ({item['end']} ≤ {item['start']})."]
    for field in ("good", "total"):
        if field in item and (messages := _count_errors(item[field], field)):
            errors[field] = messages
    good, total = item.get("good"), item.get("total")
    counts_valid = "good" not in errors and "total" not in errors
    if counts_valid and good is not None and total is not None and good > total:
        errors["good"] = [f"good cannot exceed total ({good} > {total})."]
    return errors


def samples_parse(items) -> list[SampleRow]:
    """Rows from decoded JSON, every row checked; raises SamplesInvalid naming rows and fields.

    The common case (a well-formed row) runs through one tight loop of type checks; only rows
    that fail it are examined field by field for the message.
    """
    if not isinstance(items, list):
        raise ValidationError({"rows": ["Expected a JSON list of samples."]})
    if not items:
        raise ValidationError({"rows": ["Send at least one sample."]})
    parse = datetime.fromisoformat
    rows: list[SampleRow] = []
    append = rows.append
    errors: dict[int, dict[str, list[str]]] = {}
    for index, item in enumerate(items):
        try:
            indicator = item["indicator"]
            good = item["good"]
            total = item["total"]
            start = parse(item["start"])
            end = parse(item["end"])
        except (KeyError, TypeError, ValueError):
            errors[index] = _row_errors(item)
            continue
        if (
            type(indicator) is int
            and type(good) is int
            and type(total) is int
            and indicator > 0
            and 0 <= good <= total <= BIGINT_MAX
            and start.tzinfo is not None
            and end.tzinfo is not None
            and end > start
        ):
            append(SampleRow(indicator, start, end, good, total))
        else:
            errors[index] = _row_errors(item) or {"non_field_errors": ["Invalid sample."]}
    if errors:
        raise SamplesInvalid(errors)
    return rows


# --- who may write, and buckets that must not overlap -------------------------------------------


def _may_write_everything(user) -> bool:
    return user.is_superuser or user.has_perm("measurements.change_slisample")


def _check_indicators(user, rows: list[SampleRow]) -> None:
    """Unknown indicators are row errors; indicators the user may not write are a 403.

    On PostgreSQL the indicators are locked (FOR NO KEY UPDATE, which foreign-key checks do not
    wait for) so that concurrent ingestions of one indicator run one after the other and the
    overlap check below sees what the other one wrote.
    """
    wanted = {row.indicator_id for row in rows}
    found = dict(
        Indicator.objects.select_for_update(no_key=True, of=("self",))
        .filter(id__in=wanted)
        .order_by("id")
        .values_list("id", "service__team_id")
    )
    unknown = wanted - found.keys()
    if unknown:
        raise SamplesInvalid(
            {
                index: {"indicator": [f"Unknown indicator {row.indicator_id}."]}
                for index, row in enumerate(rows)
                if row.indicator_id in unknown
            }
        )
    if _may_write_everything(user):
        return
    my_teams = set(user.teams.values_list("id", flat=True))
    refused = sorted(i for i, team in found.items() if team not in my_teams)
    if refused:
        raise PermissionDenied(
            "You may only write samples of indicators of services your team owns; "
            f"not indicator(s) {', '.join(map(str, refused))}."
        )


def _fmt(moment: datetime) -> str:
    return moment.isoformat()


def _check_overlaps(rows: list[SampleRow]) -> None:
    """Refuse duplicates and overlapping buckets, within the request and against stored ones.

    Re-sending a bucket with the same start replaces it (that is the upsert); any other overlap
    would count events twice.
    """
    by_indicator: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_indicator[row.indicator_id].append(index)
    errors: dict[int, dict[str, list[str]]] = {}
    ranges = Q()
    for indicator_id, indexes in by_indicator.items():
        starts = [rows[i].start for i in indexes]
        if any(b < a for a, b in pairwise(starts)):
            indexes.sort(key=lambda i: rows[i].start)
        previous = indexes[0]
        for index in indexes[1:]:
            row, before = rows[index], rows[previous]
            if row.start == before.start:
                errors[index] = {"start": [f"Row {previous} already sends this bucket."]}
            elif row.start < before.end:
                errors[index] = {"start": [f"Overlaps the bucket of row {previous}."]}
            if row.end > before.end:
                previous = index
        first = rows[indexes[0]].start
        last = max(rows[i].end for i in indexes)
        ranges |= Q(indicator_id=indicator_id, start__lt=last, end__gt=first)
    if errors:
        raise SamplesInvalid(errors)

    stored: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for indicator_id, start, end in (
        SLISample.objects.filter(ranges).order_by().values_list("indicator_id", "start", "end")
    ):
        stored[indicator_id].append((start, end))
    for indicator_id, buckets in stored.items():
        incoming = {rows[i].start: i for i in by_indicator[indicator_id]}
        # A stored bucket with an incoming start is being replaced: it cannot overlap anything.
        kept = [(start, end, None) for start, end in buckets if start not in incoming]
        merged = sorted(
            kept + [(rows[i].start, rows[i].end, i) for i in incoming.values()],
            key=lambda bucket: bucket[0],
        )
        widest = merged[0]
        for bucket in merged[1:]:
            if bucket[0] < widest[1] and (bucket[2] is not None or widest[2] is not None):
                index, other = (bucket[2], widest) if bucket[2] is not None else (widest[2], bucket)
                where = (
                    f"row {other[2]}"
                    if other[2] is not None
                    else f"the stored bucket [{_fmt(other[0])}, {_fmt(other[1])})"
                )
                errors.setdefault(index, {"start": [f"Overlaps {where} of this indicator."]})
            if bucket[1] > widest[1]:
                widest = bucket
    if errors:
        raise SamplesInvalid(errors)


def samples_ingest(*, user, items) -> UpsertResult:
    """Validate every sample a client sent, then upsert them all; nothing is written on error.

    ``items`` is decoded JSON: a list of {indicator, start, end, good, total}.
    """
    if not user.has_perm("measurements.add_slisample"):
        raise PermissionDenied("You may not write SLI samples (needs measurements.add_slisample).")
    rows = samples_parse(items)
    with transaction.atomic():
        _check_indicators(user, rows)
        _check_overlaps(rows)
        return samples_upsert(rows=rows)


# --- the upsert --------------------------------------------------------------------------------


def samples_upsert(*, rows: list[SampleRow]) -> UpsertResult:
    """Insert new buckets and replace existing ones; all rows or none.

    Rows repeating an (indicator, start) count once; the last one wins.
    """
    if not rows:
        return UpsertResult(0, 0)
    # Joins the caller's transaction (no savepoint): a failure undoes the caller's work too.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            return _upsert_with_copy(rows)
        return _upsert_with_orm(rows)


def _start_ranges(rows) -> Q:
    """Per indicator, the rows' [first start, last start]: a range scan of the unique index."""
    bounds: dict[int, list[datetime]] = {}
    for row in rows:
        low_high = bounds.get(row.indicator_id)
        if low_high is None:
            bounds[row.indicator_id] = [row.start, row.start]
        elif row.start < low_high[0]:
            low_high[0] = row.start
        elif row.start > low_high[1]:
            low_high[1] = row.start
    ranges = Q()
    for indicator_id, (low, high) in bounds.items():
        ranges |= Q(indicator_id=indicator_id, start__gte=low, start__lte=high)
    return ranges


def _stored_keys(rows) -> set[tuple[int, datetime]]:
    """Keys already stored among the rows' (indicator, start)."""
    queryset = SLISample.objects.filter(_start_ranges(rows)).order_by()
    return set(queryset.values_list("indicator_id", "start"))


def _upsert_with_orm(rows: list[SampleRow]) -> UpsertResult:
    latest = {(row.indicator_id, row.start): row for row in rows}
    existing = _stored_keys(rows) & latest.keys()
    SLISample.objects.bulk_create(
        [
            SLISample(
                indicator_id=row.indicator_id,
                start=row.start,
                end=row.end,
                good=row.good,
                total=row.total,
            )
            for row in latest.values()
        ],
        update_conflicts=True,
        unique_fields=["indicator", "start"],
        update_fields=["end", "good", "total"],
        batch_size=2000,
    )
    return UpsertResult(created=len(latest) - len(existing), updated=len(existing))


# PostgreSQL: COPY (binary) is several times faster than INSERT and builds no model objects.
_COLUMNS = '(indicator_id, start, "end", good, total)'
_COPY_TYPES = ["int8", "timestamptz", "timestamptz", "int8", "int8"]
_STAGING = "measurements_slisample_staging"


def _copy(raw_cursor, table: str, rows) -> None:
    with raw_cursor.copy(f"COPY {table} {_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        write = copy.write_row
        for row in rows:
            write(row)


def _is(error: Exception, sqlstate: str) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == sqlstate


UNIQUE_VIOLATION = "23505"
CARDINALITY_VIOLATION = "21000"  # ON CONFLICT DO UPDATE met the same key twice in one statement


def _upsert_with_copy(rows: list[SampleRow]) -> UpsertResult:
    """New buckets only: COPY straight into the table. Otherwise COPY into a temporary staging
    table and merge with one INSERT … ON CONFLICT DO UPDATE, counting inserts by xmax = 0."""
    table = connection.ops.quote_name(SLISample._meta.db_table)
    if not SLISample.objects.filter(_start_ranges(rows)).exists():
        try:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                connection.wrap_database_errors,
            ):
                _copy(cursor.cursor, table, rows)
            return UpsertResult(created=len(rows), updated=0)
        except IntegrityError as error:
            # Repeated keys in the rows, or a writer that slipped in: merge instead.
            if not _is(error, UNIQUE_VIOLATION):
                raise
    try:
        with transaction.atomic():
            return _merge(table, rows)
    except ProgrammingError as error:
        if not _is(error, CARDINALITY_VIOLATION):
            raise
    latest = list({(row.indicator_id, row.start): row for row in rows}.values())
    return _merge(table, latest)


def _merge(table: str, rows) -> UpsertResult:
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        raw.execute(
            f"CREATE TEMP TABLE {_STAGING} (indicator_id bigint, start timestamptz, "
            '"end" timestamptz, good bigint, total bigint) ON COMMIT DROP'
        )
        _copy(raw, _STAGING, rows)
        raw.execute(
            f"WITH upserted AS (INSERT INTO {table} {_COLUMNS} "
            f'SELECT indicator_id, start, "end", good, total FROM {_STAGING} '
            'ON CONFLICT (indicator_id, start) DO UPDATE SET "end" = EXCLUDED."end", '
            "good = EXCLUDED.good, total = EXCLUDED.total "
            "RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
            "FROM upserted"
        )
        created, updated = raw.fetchone()
        raw.execute(f"DROP TABLE {_STAGING}")
    return UpsertResult(created=created, updated=updated)
