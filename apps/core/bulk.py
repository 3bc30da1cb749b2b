"""Many rows written at once, as PostgreSQL writes them fastest; the ORM's way elsewhere.

Django builds an INSERT or a CASE-per-field UPDATE from every value of every row, which for the
thousands of events and clocks of one bulk ingestion costs more than the rest of it together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection, models

BATCH = 2000


def rows_insert(model: type[models.Model], objects: list) -> None:
    """Insert new rows without reading their ids back (COPY on PostgreSQL).

    Every concrete field but the primary key is written as the object holds it: defaults must
    already be set (a model's ``__init__`` sets them), and nothing is validated here.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    json_at = [i for i, field in enumerate(fields) if isinstance(field, models.JSONField)]
    attnames = [field.attname for field in fields]
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for obj in objects:
            row = [getattr(obj, name) for name in attnames]
            for index in json_at:
                if row[index] is not None:
                    row[index] = json.dumps(row[index])
            copy.write_row(row)


def rows_update(model, objects: list, fields: Iterable[str]) -> None:
    """Write these fields of many rows in one statement per batch.

    On PostgreSQL an ``UPDATE … FROM (VALUES …)``: Django's bulk_update builds a CASE per field
    and row, which the server spends longer parsing than writing. Elsewhere bulk_update.
    """
    if not objects:
        return
    fields = list(fields)
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=500)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(
        f'"{field.column}" = v."{field.column}"::{field.db_type(connection)}' for field in columns
    )
    names = ", ".join(f'"{field.column}"' for field in columns)
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH):
            batch = objects[start : start + BATCH]
            params = []
            for obj in batch:
                params.append(obj.pk)
                params.extend(
                    field.get_db_prep_save(getattr(obj, field.attname), connection)
                    for field in columns
                )
            cursor.execute(
                f'UPDATE "{meta.db_table}" AS t SET {assignments} '
                f"FROM (VALUES {', '.join([row] * len(batch))}) AS v(id, {names}) "
                f'WHERE t."{meta.pk.column}" = v.id::bigint',
                params,
            )
