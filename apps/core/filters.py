"""Filters shared by the API's FilterSets."""

from datetime import UTC, datetime

from django import forms
from django_filters import IsoDateTimeFilter, NumberFilter
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(NumberFilter):
    """A row's id: a whole number. ``?customer=1.5`` is a 400, not a match on customer 1."""

    field_class = forms.IntegerField


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant, read in UTC and between 1970 and 9000: the database refuses offsets
    past ±15:59 and years out of its range, which would otherwise be a 500."""

    earliest = datetime(1970, 1, 1, tzinfo=UTC)
    latest = datetime(9000, 1, 1, tzinfo=UTC)

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        except OverflowError as error:
            raise forms.ValidationError("The timestamp must fall from 1970 to 9000.") from error
        if not self.earliest <= moment < self.latest:
            raise forms.ValidationError("The timestamp must fall from 1970 to 9000.")
        return moment


class InstantFilter(IsoDateTimeFilter):
    """An ISO 8601 instant filter that is a 400, never a 500, for any value (see InstantField)."""

    field_class = InstantField
