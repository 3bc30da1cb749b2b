"""Channels and deliveries move to the notifications app, every row kept.

Channels keep their ids (and their history), so anything that names a channel still finds it;
each delivery becomes a generic one whose cause is its drift event, with the event's summary
as its text and a dedup key made of what used to be unique (event, kind, target).
"""

from django.core.management.color import no_style
from django.db import migrations

CHANNEL_FIELDS = ("id", "team_id", "kind", "name", "target", "secret", "active")
HISTORY_FIELDS = (
    "id",
    "team_id",
    "kind",
    "name",
    "target",
    "active",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)
DELIVERY_FIELDS = (
    "channel_id",
    "kind",
    "target",
    "role",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "claimed_at",
    "sent_at",
)


def _reset_sequences(apps, schema_editor, *names):
    models = [apps.get_model("notifications", name) for name in names]
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), models):
        schema_editor.execute(sql)


def copy_rows(apps, schema_editor):
    OldChannel = apps.get_model("drift", "NotificationChannel")
    OldHistory = apps.get_model("drift", "HistoricalNotificationChannel")
    OldDelivery = apps.get_model("drift", "NotificationDelivery")
    Channel = apps.get_model("notifications", "NotificationChannel")
    History = apps.get_model("notifications", "HistoricalNotificationChannel")
    Delivery = apps.get_model("notifications", "NotificationDelivery")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Channel.objects.bulk_create(
        Channel(**{name: getattr(old, name) for name in CHANNEL_FIELDS})
        for old in OldChannel.objects.order_by("id")
    )
    History.objects.bulk_create(
        History(**{name: getattr(old, name) for name in HISTORY_FIELDS})
        for old in OldHistory.objects.order_by("history_id")
    )
    if OldDelivery.objects.exists():
        event_type, _ = ContentType.objects.get_or_create(app_label="drift", model="driftevent")
        Delivery.objects.bulk_create(
            Delivery(
                **{name: getattr(old, name) for name in DELIVERY_FIELDS},
                cause_type=event_type,
                cause_id=old.event_id,
                dedup_key=f"drift-event-{old.event_id}:{old.kind}:{old.target}",
                subject=old.event.summary[:300],
                text=old.event.summary,
            )
            for old in OldDelivery.objects.select_related("event").order_by("id")
        )
    _reset_sequences(apps, schema_editor, "NotificationChannel", "HistoricalNotificationChannel")


class Migration(migrations.Migration):
    dependencies = [
        ("drift", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    # The tables go whole: removing the foreign keys first would make SQLite rebuild a table
    # whose unique constraint still names one of them.
    operations = [
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.DeleteModel(name="HistoricalNotificationChannel"),
        migrations.DeleteModel(name="NotificationDelivery"),
        migrations.DeleteModel(name="NotificationChannel"),
    ]
