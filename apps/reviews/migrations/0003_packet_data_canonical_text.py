"""Packet data kept as its canonical JSON text instead of jsonb (see ``CanonicalJSONField``).

The column becomes text and every stored packet is rewritten as the canonical text of its data
(neither jsonb's rendering nor SQLite's stored JSON is canonical): the text its content hash was
taken of, so each ready packet matches its hash as stored. On PostgreSQL the column is
compressed with lz4 again (as 0002 set it), since changing its type resets that. Reversible:
the text is valid JSON, which the column reads back as jsonb.
"""

import importlib

import orjson
from django.db import migrations

import apps.reviews.models

TABLE = "reviews_reviewpacket"
BATCH = 200

lz4 = importlib.import_module("apps.reviews.migrations.0002_packet_data_lz4")


def canonical(apps, schema_editor):
    from apps.reviews.packets import canonical_json

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE} ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for first in range(0, len(ids), BATCH):
            batch = ids[first : first + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"SELECT id, data FROM {TABLE} WHERE id IN ({marks})", batch)
            rewritten = [
                (canonical_json(orjson.loads(text)), pk)
                for pk, text in cursor.fetchall()
                if text is not None
            ]
            cursor.executemany(f"UPDATE {TABLE} SET data = %s WHERE id = %s", rewritten)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_packet_data_lz4")]

    operations = [
        # Undone last: the jsonb column that the reversal brings back is compressed with lz4.
        migrations.RunPython(migrations.RunPython.noop, lz4._compress_with("lz4")),
        migrations.AlterField(
            model_name="reviewpacket",
            name="data",
            field=apps.reviews.models.CanonicalJSONField(blank=True, default=dict),
        ),
        # Before the rewrite: PostgreSQL alters no table that has updates with checks pending.
        migrations.RunPython(lz4._compress_with("lz4"), migrations.RunPython.noop),
        migrations.RunPython(canonical, migrations.RunPython.noop),
    ]
