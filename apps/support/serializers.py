"""API representations of the support desk: paths and field names are the public contract."""

from collections import defaultdict
from dataclasses import asdict

from rest_framework import serializers

from apps.core.api import RefuseUnknownFields

from .choices import ClockMetric, ClockState, SupportPriority, TicketEventType, TicketStatus
from .models import Ticket
from .selectors import clock_escalations


class TicketSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    """A ticket; creating one logs its ``created`` event. Status, priority and assignee change
    through events afterwards, so a ticket is never edited in place."""

    source = serializers.CharField(max_length=40, default="api")
    status = serializers.ChoiceField(choices=TicketStatus.choices, default=TicketStatus.OPEN)
    event_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The source's id of the creation event (idempotency).",
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "source",
            "external_id",
            "service",
            "customer",
            "contract",
            "priority",
            "status",
            "subject",
            "assignee",
            "created_at",
            "reopens",
            "first_resolution_seconds",
            "full_resolution_seconds",
            "event_id",
        ]
        read_only_fields = ["reopens", "first_resolution_seconds", "full_resolution_seconds"]

    def get_unique_together_constraints(self, model):
        # The service answers a taken (source, external id) under external_id.
        return iter(())


class TicketEventInSerializer(RefuseUnknownFields, serializers.Serializer):
    """One event of a ticket: ``POST /tickets/{id}/events/``."""

    at = serializers.DateTimeField()
    type = serializers.CharField(
        help_text=f"One of {', '.join(sorted(set(TicketEventType.values) - {'created'}))}."
    )
    value = serializers.JSONField(required=False, allow_null=True, default=None)
    event_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BulkTicketEventSerializer(serializers.Serializer):
    """One event of ``POST /ticket-events/`` (documentation: the service parses the list)."""

    source = serializers.CharField()
    external_id = serializers.CharField()
    event_id = serializers.CharField(required=False)
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=TicketEventType.choices)
    value = serializers.JSONField(
        required=False,
        help_text=(
            "created: {service (id or slug), priority, status, customer (id or name), subject, "
            "assignee}; status: a status; priority: a priority; assigned: the assignee."
        ),
    )


class IngestResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()


class EscalationDeliverySerializer(serializers.Serializer):
    channel = serializers.IntegerField(source="channel_id", allow_null=True)
    kind = serializers.CharField()
    action = serializers.CharField()
    target = serializers.CharField()
    status = serializers.CharField()


class ClockLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    at = serializers.DateTimeField(allow_null=True, help_text="Null while the clock is paused.")
    fired_at = serializers.DateTimeField(allow_null=True, help_text="Null: not fired yet.")
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Where the level sits, or…"
    )
    offset_minutes = serializers.IntegerField(
        allow_null=True, help_text="…its business minutes from the due."
    )
    fire_outside_hours = serializers.BooleanField()
    actions = serializers.JSONField(help_text="What firing did; empty until it fired.")
    deliveries = EscalationDeliverySerializer(
        many=True, help_text="Where the level's notices (and helpdesk write-back) went."
    )


class ClockSerializer(serializers.Serializer):
    """A clock's readings as of the instant asked (``GET /tickets/{id}/clocks/?at=``)."""

    id = serializers.IntegerField(allow_null=True)
    indicator = serializers.IntegerField(source="indicator_id")
    metric = serializers.ChoiceField(choices=ClockMetric.choices)
    priority = serializers.ChoiceField(choices=SupportPriority.choices)
    cycle = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ClockState.choices)
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    business_elapsed_seconds = serializers.IntegerField()
    paused_seconds = serializers.IntegerField()
    remaining_seconds = serializers.IntegerField()
    percent_elapsed = serializers.FloatField()
    breached = serializers.BooleanField()
    target_seconds = serializers.IntegerField()
    levels = ClockLevelSerializer(many=True)


def clock_data(pairs) -> list[dict]:
    """``[(stored id, reading)]`` as the clocks route answers them, with each stored clock's
    escalation levels (one query for all of them)."""
    pairs = list(pairs)
    levels = defaultdict(list)
    for clock_id, rows in clock_escalations(clock_ids=[pk for pk, _ in pairs]).items():
        levels[clock_id] = [
            {
                "level": row.position,
                "at": row.at,
                "fired_at": row.fired_at,
                "percent": row.level.percent,
                "offset_minutes": row.level.offset_minutes,
                "fire_outside_hours": row.level.fire_outside_hours,
                "actions": row.actions,
                "deliveries": list(row.deliveries.all()),
            }
            for row in rows
        ]
    return ClockSerializer(
        [{**asdict(reading), "id": pk, "levels": levels.get(pk, [])} for pk, reading in pairs],
        many=True,
    ).data


class EscalationSerializer(serializers.Serializer):
    """A fired level: when, what it did, and where its notices went."""

    level = serializers.IntegerField(source="position")
    clock = serializers.IntegerField(source="clock_id")
    at = serializers.DateTimeField(allow_null=True)
    fired_at = serializers.DateTimeField()
    actions = serializers.JSONField()
    deliveries = EscalationDeliverySerializer(many=True)
