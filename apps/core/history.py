"""History of governed objects as plain entries: who changed what, when, from what to what.

Used by the API's ``/history/`` endpoints and the contract page's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: datetime
    user: str | None
    user_id: int | None
    change_type: str
    changes: dict[str, list[Any]]
    reason: str
    object_label: str

    def as_dict(self) -> dict:
        return {
            "changed_at": self.changed_at,
            "user": self.user,
            "change_type": self.change_type,
            "changes": self.changes,
            "reason": self.reason,
        }


def _value(record, field) -> Any:
    value = getattr(record, field.attname)
    if field.is_relation or value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def entries_for_records(records, label: str = "") -> list[HistoryEntry]:
    """Entries for historical records of one object, newest first, each diffed with the one before.

    ``records`` must be ordered oldest first and select_related("history_user") for one query.
    """
    entries = []
    previous = None
    for record in records:
        fields = [
            f
            for f in record.instance_type._meta.fields
            if f.name not in {"id"} and hasattr(record, f.attname)
        ]
        changes = {}
        for field in fields:
            new = _value(record, field)
            old = _value(previous, field) if previous is not None else None
            if previous is None:
                if new not in (None, ""):
                    changes[field.name] = [None, new]
            elif old != new:
                changes[field.name] = [old, new]
        user = record.history_user
        entries.append(
            HistoryEntry(
                changed_at=record.history_date,
                user=user.get_username() if user else None,
                user_id=user.pk if user else None,
                change_type=CHANGE_TYPES.get(record.history_type, record.history_type),
                changes=changes,
                reason=record.history_change_reason or "",
                object_label=label,
            )
        )
        previous = record
    entries.reverse()
    return entries


def history_entries(instance, label: str = "") -> list[HistoryEntry]:
    """The whole history of one object, newest first, in one query."""
    records = instance.history.select_related("history_user").order_by("history_date", "history_id")
    return entries_for_records(records, label or str(instance))


def grouped_entries(history_model, object_ids, labels: dict[int, str]) -> list[HistoryEntry]:
    """Histories of many objects of one model in one query, merged and newest first."""
    by_object: dict[int, list] = {}
    records = (
        history_model.objects.filter(id__in=list(object_ids))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    merged = []
    for object_id, rows in by_object.items():
        merged.extend(entries_for_records(rows, labels.get(object_id, "")))
    return sorted(merged, key=lambda e: e.changed_at, reverse=True)
