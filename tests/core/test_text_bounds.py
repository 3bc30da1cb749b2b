"""Free text a person types is bounded in forms and the admin, as the API bounds it."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.validators import TEXT_MAX_LENGTH

# Text the system writes itself (reasons it records, responses it logs, findings it words,
# packets it builds), never a field of a form.
WRITTEN_BY_THE_SYSTEM = {
    "contracts.Contract.legal_comment",
    "contracts.Contract.termination_reason",
    "contracts.SignOff.void_reason",
    "contracts.ScheduleFitConfirmation.findings",
    "drift.DriftEvent.summary",
    "notifications.NotificationDelivery.text",
    "notifications.NotificationDelivery.last_error",
    "notifications.NotificationDelivery.response_body",
    "reviews.ReviewCycle.note",
    "reviews.ReviewPacket.error",
    "reviews.ReviewPacket.data",
    "support.SupportReport.error",
}


def _text_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("apps.") or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField) and not field.auto_created:
                yield f"{model._meta.app_label}.{model.__name__}.{field.name}", field


def test_every_text_field_a_person_types_is_bounded():
    unbounded = [
        name
        for name, field in _text_fields()
        if field.editable and field.max_length is None and name not in WRITTEN_BY_THE_SYSTEM
    ]
    assert unbounded == []


@pytest.mark.parametrize(
    "name",
    ["slos.SLO.description", "contracts.Waiver.justification", "contracts.Commitment.exclusions"],
)
def test_a_form_refuses_text_past_the_bound_and_takes_it_at_the_bound(name):
    app_label, model_name, field_name = name.split(".")
    form_field = apps.get_model(app_label, model_name)._meta.get_field(field_name).formfield()

    assert form_field.clean("x" * TEXT_MAX_LENGTH) == "x" * TEXT_MAX_LENGTH
    with pytest.raises(ValidationError, match=f"at most {TEXT_MAX_LENGTH} characters"):
        form_field.clean("x" * (TEXT_MAX_LENGTH + 1))
