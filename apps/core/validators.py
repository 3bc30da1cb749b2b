"""Field rules shared by several models."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

# Free text (descriptions, comments, justifications) is bounded like names are: a megabyte of
# it in a row would be stored, versioned in its history and shown on every page that lists it.
# Forms and the admin hold it through the fields' max_length; the API through its serializers.
TEXT_MAX_LENGTH = 10_000


def validate_target_percent(value):
    """A target is a percentage in (0, 100]."""
    if value is None:
        return
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    if not value.is_finite() or value <= 0 or value > 100:
        raise ValidationError(
            "A target is a percentage greater than 0 and at most 100 (got %(value)s).",
            code="target_range",
            params={"value": value},
        )


def target_field(**kwargs) -> models.DecimalField:
    """A percentage target stored with up to 4 decimal places (99.9995)."""
    return models.DecimalField(
        max_digits=7,
        decimal_places=4,
        validators=[validate_target_percent, MaxValueValidator(100)],
        help_text="Percent, up to 4 decimal places, e.g. 99.95.",
        **kwargs,
    )


def target_in_range(field_name: str) -> models.Q:
    """Database check for validate_target_percent."""
    return models.Q(**{f"{field_name}__gt": 0, f"{field_name}__lte": 100})
