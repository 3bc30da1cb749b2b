"""SLI samples as clients send them: each row checked field by field, parsed into tuples.

Pure: no database. The writes (who may write, overlaps, the upsert) are in ``services.py``.
"""

from __future__ import annotations

import math
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from django.core.exceptions import ValidationError

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


def check_is_list(items) -> None:
    if not isinstance(items, list):
        raise ValidationError({"rows": ["Expected a JSON list of samples."]})
    if not items:
        raise ValidationError({"rows": ["Send at least one sample."]})


_FIELDS_OF = itemgetter(*FIELDS)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("A timestamp without a UTC offset.")
    return moment


def well_formed_rows(items, errors: dict[int, dict[str, list[str]]]):
    """Yield each well-formed row as a tuple in SampleRow's order; put each bad row's problems in
    ``errors`` under its index.

    The common case (a well-formed row) runs through one tight loop of type checks; only rows
    that fail it are examined field by field for the message. Plain tuples, not SampleRow:
    building a million named tuples costs more than the checks, so the code below reads rows by
    position. A timestamp string is parsed once: collectors send many indicators per bucket.
    """
    parse = datetime.fromisoformat
    moments: dict[str, datetime] = {}  # every one aware: a naive timestamp never gets in
    moment = moments.get
    for index, item in enumerate(items):
        try:
            indicator, start, end, good, total = _FIELDS_OF(item)
            start = moment(start) or moments.setdefault(start, _aware(parse(start)))
            end = moment(end) or moments.setdefault(end, _aware(parse(end)))
        except (KeyError, TypeError, ValueError):
            errors[index] = _row_errors(item)
            continue
        if (
            type(indicator) is int
            and type(good) is int
            and type(total) is int
            and indicator > 0
            and 0 <= good <= total <= BIGINT_MAX
            and end > start
        ):
            yield (indicator, start, end, good, total)
        else:
            errors[index] = _row_errors(item) or {"non_field_errors": ["Invalid sample."]}


def samples_parse(items) -> list[SampleRow]:
    """Rows from decoded JSON, every row checked; raises SamplesInvalid naming rows and fields."""
    check_is_list(items)
    errors: dict[int, dict[str, list[str]]] = {}
    rows = list(well_formed_rows(items, errors))
    if errors:
        raise SamplesInvalid(errors)
    return rows
