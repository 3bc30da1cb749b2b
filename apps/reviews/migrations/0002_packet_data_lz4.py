"""Packet data compressed with lz4 instead of pglz on PostgreSQL (14 or later, built with lz4).

Every packet's ``data`` (tens of kilobytes of JSON) is compressed when it is stored: lz4 does
it in a fraction of pglz's time and a little smaller. Packets already stored keep pglz until
rewritten; both read the same. Elsewhere (SQLite, a server without lz4) nothing changes.
"""

from django.db import migrations

TABLE = "reviews_reviewpacket"


def _lz4_available(cursor) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_settings "
        "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
    )
    return cursor.fetchone() is not None


def _compress_with(method):
    def change(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            if _lz4_available(cursor):
                cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN data SET COMPRESSION {method}")

    return change


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(_compress_with("lz4"), _compress_with("pglz"))]
