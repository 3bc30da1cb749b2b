"""Writes of SLI samples: validated, idempotent upserts on (indicator, start)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from .models import SLISample


@dataclass(frozen=True)
class SampleRow:
    """One bucket of counts, already parsed; start and end are aware datetimes."""

    indicator_id: int
    start: datetime
    end: datetime
    good: int
    total: int


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int


def samples_upsert(*, rows: list[SampleRow]) -> UpsertResult:
    """Insert new buckets and replace existing ones; all rows or none."""
    keys = {(row.indicator_id, row.start) for row in rows}
    indicator_ids = {row.indicator_id for row in rows}
    with transaction.atomic():
        existing = (
            set(
                SLISample.objects.filter(
                    indicator_id__in=indicator_ids, start__in={k[1] for k in keys}
                ).values_list("indicator_id", "start")
            )
            & keys
        )
        SLISample.objects.bulk_create(
            [
                SLISample(
                    indicator_id=row.indicator_id,
                    start=row.start,
                    end=row.end,
                    good=row.good,
                    total=row.total,
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["indicator", "start"],
            update_fields=["end", "good", "total"],
            batch_size=5000,
        )
    return UpsertResult(created=len(keys) - len(existing), updated=len(existing))
