"""API representations of calendars and of the questions asked of them (due, elapsed, holidays)."""

from datetime import UTC, datetime

from rest_framework import serializers

from apps.core.api import CleanModelSerializer
from apps.core.api_fields import AwareDateTimeField

from .models import Calendar

# Ten years of minutes: a support target is minutes to weeks; past this it is a typo.
MAX_MINUTES = 10 * 366 * 24 * 60
# How many years an /elapsed/ interval may span (each year's holidays are looked up).
MAX_ELAPSED_YEARS = 20


class CalendarSerializer(CleanModelSerializer):
    class Meta:
        model = Calendar
        fields = [
            "id",
            "name",
            "timezone",
            "hours",
            "holiday_country",
            "holiday_subdivision",
            "closed_dates",
            "open_dates",
        ]

    # A form body's "null" reaches a JSON field as None past DRF's own null check, and the
    # model's blank=True lets full_clean skip it: the database would refuse the row.
    def validate_closed_dates(self, value):
        return _not_null(value)

    def validate_open_dates(self, value):
        return _not_null(value)


def _not_null(value):
    if value is None:
        raise serializers.ValidationError("A list of dates is required (may be empty).")
    return value


class InstantField(AwareDateTimeField):
    """An instant given with its offset, answered in UTC ("Z"); the calendars API has always
    taken instants from 1971 on."""

    earliest = datetime(1971, 1, 1, tzinfo=UTC)

    def to_representation(self, value):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class DueQuerySerializer(serializers.Serializer):
    start = InstantField(help_text="When the clock starts (ISO 8601 with offset).")
    minutes = serializers.DecimalField(
        max_digits=12,
        decimal_places=6,
        min_value=0,
        max_value=MAX_MINUTES,
        help_text="Business minutes to count; 0 answers the next opening.",
    )


class DueSerializer(serializers.Serializer):
    due = InstantField(help_text="When the business minutes have passed (UTC).")


class ElapsedQuerySerializer(serializers.Serializer):
    start = InstantField(help_text="Start of the interval, inclusive.")
    end = InstantField(help_text="End of the interval, exclusive.")

    def validate(self, attrs):
        if attrs["end"].year - attrs["start"].year > MAX_ELAPSED_YEARS:
            raise serializers.ValidationError(
                {"end": [f"At most {MAX_ELAPSED_YEARS} years after the start."]}
            )
        return attrs


class ElapsedSerializer(serializers.Serializer):
    business_seconds = serializers.IntegerField(
        help_text="Whole business seconds in [start, end); 0 when end is not after start."
    )


class HolidaysQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=1971, max_value=2999, help_text="Default: this year."
    )


class HolidaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()


class HolidaysSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    dates = serializers.ListField(child=serializers.DateField())
    holidays = HolidaySerializer(many=True, help_text="The same dates with their names.")
