"""Serializer fields shared by the API's apps."""

from datetime import UTC, datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An ISO 8601 timestamp that must carry its UTC offset (a naive one is ambiguous), between
    ``earliest`` and ``latest``: past them the database, or a window reaching a year beyond the
    instant, could not be written, which would otherwise be a 500."""

    earliest = datetime(1970, 1, 1, tzinfo=UTC)
    latest = datetime(9000, 1, 1, tzinfo=UTC)
    default_error_messages = {
        "invalid": "Expected an ISO 8601 timestamp with offset, e.g. 2026-03-02T09:00:00Z.",
        "naive": "The timestamp needs a UTC offset, e.g. {value}Z or {value}+01:00.",
        "out_of_range": "The timestamp must fall from {earliest} to {latest} (UTC).",
    }

    def to_internal_value(self, data):
        try:
            parsed = datetime.fromisoformat(str(data))
        except ValueError:
            self.fail("invalid")
        if parsed.tzinfo is None:
            self.fail("naive", value=data)
        if not self.earliest <= parsed <= self.latest:
            self.fail("out_of_range", earliest=self.earliest.year, latest=self.latest.year)
        return parsed

    def to_representation(self, value):
        return value.isoformat()
