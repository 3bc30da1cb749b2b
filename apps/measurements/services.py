"""Writes of SLI samples: every row validated, then one idempotent upsert on (indicator, start).

Who may write samples of an indicator: a user holding ``measurements.add_slisample`` who also
is a superuser, or holds ``measurements.change_slisample`` (a collector trusted with every
service), or is a member of the team that owns the indicator's service. Machine users are
ordinary users given ``add_slisample`` and added to their service's team, so a leaked token of
one team cannot rewrite another team's history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import Q

from apps.catalog.models import Indicator

from .models import SLISample
from .sample_rows import (
    SampleRow,
    SamplesInvalid,
    check_is_list,
    samples_parse,
    well_formed_rows,
)


class UpsertResult(NamedTuple):
    created: int
    updated: int


# --- who may write, and buckets that must not overlap -------------------------------------------


def _may_write_everything(user) -> bool:
    return user.is_superuser or user.has_perm("measurements.change_slisample")


def _locked_indicators(wanted: set[int]) -> dict[int, int]:
    """The foreign key's part, for the table that has none (see SLISample): lock the indicators
    until the transaction ends; returns {indicator id: team id} of those that exist.

    FOR NO KEY UPDATE on PostgreSQL: an indicator cannot be deleted under a writer, and
    concurrent ingestions of one indicator run one after the other, so that the overlap check
    sees what the other one wrote.
    """
    return dict(
        Indicator.objects.select_for_update(no_key=True, of=("self",))
        .filter(id__in=wanted)
        .order_by("id")
        .values_list("id", "service__team_id")
    )


def _lock_indicators(user, wanted: set[int]) -> set[int]:
    """Lock the indicators and check the user may write them (403 if not); returns the unknown."""
    found = _locked_indicators(wanted)
    if not _may_write_everything(user):
        my_teams = set(user.teams.values_list("id", flat=True))
        refused = sorted(i for i, team in found.items() if team not in my_teams)
        if refused:
            raise PermissionDenied(
                "You may only write samples of indicators of services your team owns; "
                f"not indicator(s) {', '.join(map(str, refused))}."
            )
    return wanted - found.keys()


def _check_indicators(user, rows) -> None:
    """Unknown indicators are row errors; indicators the user may not write are a 403."""
    unknown = _lock_indicators(user, {row[0] for row in rows})
    if unknown:
        raise SamplesInvalid(
            {
                index: {"indicator": [f"Unknown indicator {row[0]}."]}
                for index, row in enumerate(rows)
                if row[0] in unknown
            }
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _check_overlaps(rows: list[SampleRow]) -> None:
    """Refuse duplicates and overlapping buckets, within the request and against stored ones.

    Re-sending a bucket with the same start replaces it (that is the upsert); any other overlap
    would count events twice.
    """
    errors: dict[int, dict[str, list[str]]] = {}
    spans = _overlaps_in_order(rows, errors)
    if spans is None:
        errors.clear()
        spans = _overlaps_sorted(rows, errors)
    if errors:
        raise SamplesInvalid(errors)
    _overlaps_with_stored(rows, spans, errors)
    if errors:
        raise SamplesInvalid(errors)


def _overlaps_in_order(rows, errors) -> dict[int, tuple[datetime, datetime]] | None:
    """One pass for the usual case, each indicator's rows in time order; None when they are not.

    Returns each indicator's span: (first start, latest end).
    """
    # indicator → [first start, last start, its row, latest end, its row]
    state: dict[int, list] = {}
    for index, (indicator_id, start, end, _good, _total) in enumerate(rows):
        seen = state.get(indicator_id)
        if seen is None:
            state[indicator_id] = [start, start, index, end, index]
            continue
        if start < seen[1]:
            return None
        if start == seen[1]:
            errors[index] = {"start": [f"Row {seen[2]} already sends this bucket."]}
        elif start < seen[3]:
            errors[index] = {"start": [f"Overlaps the bucket of row {seen[4]}."]}
        seen[1], seen[2] = start, index
        if end > seen[3]:
            seen[3], seen[4] = end, index
    return {indicator_id: (seen[0], seen[3]) for indicator_id, seen in state.items()}


def _overlaps_sorted(rows, errors) -> dict[int, tuple[datetime, datetime]]:
    """The same check for rows in any order: sort each indicator's rows by start first."""
    by_indicator: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_indicator[row[0]].append(index)
    spans = {}
    for indicator_id, indexes in by_indicator.items():
        indexes.sort(key=lambda i: rows[i][1])
        widest = previous = indexes[0]
        for index in indexes[1:]:
            start, end = rows[index][1], rows[index][2]
            if start == rows[previous][1]:
                errors[index] = {"start": [f"Row {previous} already sends this bucket."]}
            elif start < rows[widest][2]:
                errors[index] = {"start": [f"Overlaps the bucket of row {widest}."]}
            previous = index
            if end > rows[widest][2]:
                widest = index
        spans[indicator_id] = (rows[indexes[0]][1], rows[widest][2])
    return spans


def _overlaps_with_stored(rows, spans, errors) -> None:
    """Compare with the stored buckets that reach into each indicator's span (one query)."""
    ranges = Q()
    for indicator_id, (first, last) in spans.items():
        ranges |= Q(indicator_id=indicator_id, start__lt=last, end__gt=first)
    stored: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    queryset = SLISample.objects.filter(ranges).order_by()
    for indicator_id, start, end in queryset.values_list("indicator_id", "start", "end"):
        stored[indicator_id].append((start, end))
    if not stored:
        return
    incoming_by_indicator: dict[int, dict[datetime, int]] = defaultdict(dict)
    for index, row in enumerate(rows):
        if row[0] in stored:
            incoming_by_indicator[row[0]][row[1]] = index
    for indicator_id, buckets in stored.items():
        incoming = incoming_by_indicator[indicator_id]
        # A stored bucket with an incoming start is being replaced: it cannot overlap anything.
        kept = [(start, end, None) for start, end in buckets if start not in incoming]
        if not kept:
            continue  # every stored bucket is being replaced (a retry): nothing left to overlap
        merged = sorted(
            kept + [(rows[i][1], rows[i][2], i) for i in incoming.values()],
            key=lambda bucket: bucket[0],
        )
        widest = merged[0]
        for bucket in merged[1:]:
            if bucket[0] < widest[1] and (bucket[2] is not None or widest[2] is not None):
                index, other = (bucket[2], widest) if bucket[2] is not None else (widest[2], bucket)
                where = (
                    f"row {other[2]}"
                    if other[2] is not None
                    else f"the stored bucket [{_iso(other[0])}, {_iso(other[1])})"
                )
                errors.setdefault(index, {"start": [f"Overlaps {where} of this indicator."]})
            if bucket[1] > widest[1]:
                widest = bucket


def samples_ingest(*, user, items) -> UpsertResult:
    """Validate every sample a client sent, then upsert them all; nothing is written on error.

    ``items`` is decoded JSON: a list of {indicator, start, end, good, total}. On PostgreSQL the
    usual request (new buckets, in time order per indicator) is checked and copied in one pass;
    anything else takes the general path: parse all, check, merge.
    """
    if not user.has_perm("measurements.add_slisample"):
        raise PermissionDenied("You may not write SLI samples (needs measurements.add_slisample).")
    check_is_list(items)
    if connection.vendor == "postgresql":
        try:
            return _stream_appended(user, items)
        except _NotStreamable:
            pass
    rows = samples_parse(items)
    with transaction.atomic():
        _check_indicators(user, rows)
        _check_overlaps(rows)
        return _upsert(rows)


class _NotStreamable(Exception):
    """The rows cannot be written in one pass (a bad row, rows out of time order, stored buckets
    in their way, an unknown indicator): the general path takes them and names every problem."""


def _first_starts(items) -> dict[int, datetime]:
    """Each indicator's first start, in one cheap pass over the request."""
    firsts: dict[int, dict] = {}
    try:
        for item in items:
            indicator = item["indicator"]
            if indicator not in firsts:
                firsts[indicator] = item
        starts = {i: datetime.fromisoformat(item["start"]) for i, item in firsts.items()}
    except (KeyError, TypeError, ValueError) as error:
        raise _NotStreamable from error
    if not all(type(i) is int and start.tzinfo is not None for i, start in starts.items()):
        raise _NotStreamable
    return starts


# Some indicator's latest stored bucket ends after the request's first start for it.
_STORED_IN_THE_WAY = (
    "SELECT 1 FROM unnest(%s::bigint[], %s::timestamptz[]) AS sent (indicator_id, first) "
    "WHERE EXISTS (SELECT FROM (SELECT stored.end FROM {table} AS stored "
    "WHERE stored.indicator_id = sent.indicator_id ORDER BY stored.start DESC LIMIT 1) AS latest "
    "WHERE latest.end > sent.first) LIMIT 1"
)


def _stream_appended(user, items) -> UpsertResult:
    """New buckets after every stored one, in time order per indicator: parse, check and COPY
    each row as it comes, so that PostgreSQL inserts while Python parses.

    Before the first row is sent, the indicators are locked and checked (403 as on the general
    path) and each one's latest stored bucket must end by the request's first start for it:
    then no stored bucket can overlap or repeat one sent. The rows themselves are checked as they
    go (fields, time order, no overlap); a row out of order abandons the COPY at once, a bad row
    once the rest is checked. Either raises _NotStreamable: nothing is committed unless every row
    passed.
    """
    firsts = _first_starts(items)
    errors: dict[int, dict[str, list[str]]] = {}
    # Each indicator's latest end so far: a row must start at or after it (the general path sorts
    # rows sent out of order, and names repeated or overlapping buckets).
    ends: dict[int, datetime] = {}
    latest_end = ends.get
    table = connection.ops.quote_name(SLISample._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if _lock_indicators(user, set(firsts)):
                raise _NotStreamable
            cursor.execute(
                _STORED_IN_THE_WAY.format(table=table), [list(firsts), list(firsts.values())]
            )
            if cursor.fetchone():
                raise _NotStreamable
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} {_COLUMNS} FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(_COPY_TYPES)
                write = copy.write_row
                # A bad row is left out of the COPY, which the transaction then abandons.
                for row in well_formed_rows(items, errors):
                    if row[1] < latest_end(row[0], row[1]):
                        raise _NotStreamable
                    ends[row[0]] = row[2]
                    write(row)
                if errors:
                    raise _NotStreamable
    except IntegrityError as error:
        # A writer outside Covenant (which would not wait for the indicator locks) stored one of
        # these buckets meanwhile: merge on the general path.
        if not _is(error, UNIQUE_VIOLATION):
            raise
        raise _NotStreamable from error
    return UpsertResult(created=len(items), updated=0)


def samples_delete(*, user, keys: list[tuple[int, datetime]]) -> int:
    """Delete the samples with these (indicator, start) keys; returns how many were deleted.

    The same ownership rule as writing them. Each deletion is recorded in the admin log with the
    user: samples keep no history of their own (there are millions). Keys of an indicator that
    no longer exists name samples deleted with it: like any key already gone, they count nothing.
    """
    if not user.has_perm("measurements.delete_slisample"):
        raise PermissionDenied("You may not delete SLI samples (needs delete_slisample).")
    with transaction.atomic():
        _lock_indicators(user, {key[0] for key in keys})
        samples = list(SLISample.objects.filter(pk__in=keys).select_related("indicator"))
        SLISample.objects.filter(pk__in=keys).delete()
        kind = ContentType.objects.get_for_model(SLISample)
        LogEntry.objects.bulk_create(
            LogEntry(
                user_id=user.pk,
                content_type=kind,
                object_id=sample.key,
                object_repr=str(sample)[:200],
                action_flag=DELETION,
                change_message=f"Deleted SLI sample of {sample.indicator.name}.",
            )
            for sample in samples
        )
    return len(samples)


# --- the upsert --------------------------------------------------------------------------------


def samples_upsert(*, rows: list[SampleRow]) -> UpsertResult:
    """Insert new buckets and replace existing ones; all rows or none. For trusted writers (the
    Prometheus connector, demo data): no permission or overlap check, see samples_ingest.

    Rows repeating an (indicator, start) count once; the last one wins. Rows of an indicator
    that does not exist raise IntegrityError, as the foreign key the table does without would.
    """
    if not rows:
        return UpsertResult(0, 0)
    # Joins the caller's transaction (no savepoint): a failure undoes the caller's work too.
    with transaction.atomic(savepoint=False):
        wanted = {row[0] for row in rows}
        found = _locked_indicators(wanted)
        if unknown := wanted - found.keys():
            raise IntegrityError(f"SLI samples of unknown indicator(s) {sorted(unknown)}.")
        return _upsert(rows)


def _upsert(rows) -> UpsertResult:
    """The upsert of rows whose indicators are locked and known."""
    if connection.vendor == "postgresql":
        return _upsert_with_copy(rows)
    return _upsert_with_orm(rows)


def _start_ranges(rows) -> Q:
    """Per indicator, the rows' [first start, last start]: a range scan of the unique index."""
    bounds: dict[int, list[datetime]] = {}
    for row in rows:
        indicator_id, start = row[0], row[1]
        low_high = bounds.get(indicator_id)
        if low_high is None:
            bounds[indicator_id] = [start, start]
        elif start < low_high[0]:
            low_high[0] = start
        elif start > low_high[1]:
            low_high[1] = start
    ranges = Q()
    for indicator_id, (low, high) in bounds.items():
        ranges |= Q(indicator_id=indicator_id, start__gte=low, start__lte=high)
    return ranges


def _stored_keys(rows) -> set[tuple[int, datetime]]:
    """Keys already stored among the rows' (indicator, start)."""
    queryset = SLISample.objects.filter(_start_ranges(rows)).order_by()
    return set(queryset.values_list("indicator_id", "start"))


def _upsert_with_orm(rows: list[SampleRow]) -> UpsertResult:
    latest = {(row[0], row[1]): row for row in rows}
    existing = _stored_keys(rows) & latest.keys()
    SLISample.objects.bulk_create(
        [
            SLISample(indicator_id=indicator_id, start=start, end=end, good=good, total=total)
            for indicator_id, start, end, good, total in latest.values()
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
    table and merge with one INSERT … ON CONFLICT DO UPDATE, counting inserts by xmax = 0; a
    bucket re-sent unchanged counts as updated but is not rewritten."""
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
    latest = list({(row[0], row[1]): row for row in rows}.values())
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
            f"WITH upserted AS (INSERT INTO {table} AS stored {_COLUMNS} "
            f'SELECT indicator_id, start, "end", good, total FROM {_STAGING} '
            'ON CONFLICT (indicator_id, start) DO UPDATE SET "end" = EXCLUDED."end", '
            "good = EXCLUDED.good, total = EXCLUDED.total "
            # A retry re-sends identical buckets: leave those rows (and their indexes) alone.
            'WHERE (stored."end", stored.good, stored.total) '
            'IS DISTINCT FROM (EXCLUDED."end", EXCLUDED.good, EXCLUDED.total) '
            "RETURNING (xmax = 0) AS inserted) "
            "SELECT (SELECT count(*) FROM upserted WHERE inserted), "
            f"(SELECT count(*) FROM (SELECT DISTINCT indicator_id, start FROM {_STAGING}) AS keys)"
        )
        created, distinct = raw.fetchone()
        # Every bucket not inserted matched a stored one: "updated", changed or not (as SQLite).
        updated = distinct - created
        raw.execute(f"DROP TABLE {_STAGING}")
    return UpsertResult(created=created, updated=updated)
