"""History of governed objects as plain entries: who changed what, when, from what to what.

Used by the API's ``/history/`` endpoints and the contract page's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
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


# How an entry names its object: one text for every record, or a function of the record, so
# that each event is named with the values it had then (a sign-off made on "≥ 99.99 %" keeps
# saying so after the line was lowered to 99.9 %), never with today's.
Label = str | Callable[[Any], str]
# For many objects: a text per object id, or one function for every record.
Labels = dict[int, str] | Callable[[Any], str]


def record_label(record) -> str:
    """The object as it was when ``record`` was written: its __str__ on the historical values."""
    return str(record.instance)


def labels_as_then(instance) -> Callable[[Any], str]:
    """Name each record of ``instance`` by its own values, as ``record_label`` does, sharing the
    related rows its name reads between records (and with the live row): a query per related
    row read, not per record."""
    foreign_keys = [field for field in instance._meta.concrete_fields if field.many_to_one]
    shared: dict[tuple[str, Any], Any] = {}
    for field in foreign_keys:
        if field.is_cached(instance):
            shared[field.name, getattr(instance, field.attname)] = field.get_cached_value(instance)

    def label(record) -> str:
        then = record.instance
        for field in foreign_keys:
            key = (field.name, getattr(then, field.attname))
            if key in shared:
                field.set_cached_value(then, shared[key])
        text = str(then)
        for field in foreign_keys:
            if field.is_cached(then):
                shared[field.name, getattr(then, field.attname)] = field.get_cached_value(then)
        return text

    return label


def entries_for_records(records, label: Label = record_label) -> list[HistoryEntry]:
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
                object_label=label(record) if callable(label) else label,
            )
        )
        previous = record
    entries.reverse()
    return entries


def history_entries(instance, label: Label | None = None) -> list[HistoryEntry]:
    """The whole history of one object, newest first, in one query (and one per related row its
    name reads): each record is named by its own values unless ``label`` says otherwise."""
    records = instance.history.select_related("history_user").order_by("history_date", "history_id")
    return entries_for_records(records, labels_as_then(instance) if label is None else label)


def grouped_entries(history_model, object_ids, labels: Labels) -> list[HistoryEntry]:
    """Histories of many objects of one model in one query, merged and newest first.

    ``labels``: a text per object id, or a function naming each record by its values then."""
    records = (
        history_model.objects.filter(id__in=list(object_ids))
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    return entries_of_records(records, labels)


def entries_of_records(records, labels: Labels) -> list[HistoryEntry]:
    """``grouped_entries`` on historical records already read (oldest first, with their user)."""
    by_object: dict[int, list] = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    merged = []
    for object_id, rows in by_object.items():
        label = labels if callable(labels) else labels.get(object_id, "")
        merged.extend(entries_for_records(rows, label))
    return sorted(merged, key=lambda e: e.changed_at, reverse=True)
