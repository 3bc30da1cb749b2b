"""Filters shared by the API's FilterSets."""

from django import forms
from django_filters import NumberFilter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(NumberFilter):
    """A row's id: a whole number. ``?customer=1.5`` is a 400, not a match on customer 1."""

    field_class = forms.IntegerField
