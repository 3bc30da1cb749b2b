"""Every write to SLOs and buffer policies goes through these functions.

Admin, API, the OpenSLO importer and the demo call them, so each write is validated the same
way, runs in one transaction with the row locked, and records who made it and why in history.
Saving still sends the signals of ``signals.py``: contracts and drift act on a changed SLO or
policy from there, because slos sits below them and cannot call them.

They raise ``ValidationError`` with messages per field; nothing is written when they do.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from .models import SLO, BufferPolicy

SLO_FIELDS = (
    "indicator",
    "name",
    "target",
    "window",
    "budgeting_method",
    "timeslice_target",
    "timezone",
    "status",
    "description",
)
BUFFER_POLICY_FIELDS = ("service", "min_budget_ratio", "min_margin")

# The field a person fixes when a constraint refuses the row. Django files a conditional or
# expression constraint's message under no field; a client and a form need one to point at.
CONSTRAINT_FIELDS = {
    "slo_target_range": "target",
    "slo_timeslice_target_range": "timeslice_target",
    # Two active SLOs on one indicator: the status is what to change, not the indicator.
    "slo_one_active_per_indicator": "status",
    "bufferpolicy_one_global": "service",
    "bufferpolicy_ratio_at_least_1": "min_budget_ratio",
    "bufferpolicy_margin_not_negative": "min_margin",
}


def _set_fields(instance: models.Model, fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})
    for name, value in fields.items():
        setattr(instance, name, value)


def _validate(instance: models.Model) -> None:
    """``full_clean`` and every constraint, each error filed under the field to fix."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    for constraint in instance._meta.constraints:
        # A field already refused (a target of 150 %) need not be refused twice.
        try:
            constraint.validate(type(instance), instance, exclude=set(errors))
        except ValidationError as error:
            name = CONSTRAINT_FIELDS.get(constraint.name, NON_FIELD_ERRORS)
            errors.setdefault(name, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)


def _save(instance: models.Model, *, user, reason: str) -> None:
    _validate(instance)
    if user is not None:  # else the request's user, recorded by HistoryRequestMiddleware
        instance._history_user = user
    instance._change_reason = reason
    instance.save()


# --- SLOs ----------------------------------------------------------------------------------


@transaction.atomic
def slo_create(*, user, reason: str = "", **fields) -> SLO:
    """A new SLO from ``fields`` (any of SLO_FIELDS; ``indicator`` and ``target`` needed)."""
    slo = SLO()
    _set_fields(slo, fields, SLO_FIELDS)
    _save(slo, user=user, reason=reason)
    return slo


@transaction.atomic
def slo_update(*, slo: SLO, user, reason: str = "", **fields) -> SLO:
    """Change ``fields`` of an SLO, as stored now: a material change makes a new version.

    Returns the saved row; ``slo`` itself is left as it was given.
    """
    # Locked before it is read, so two edits cannot both build on the same version.
    locked = SLO.objects.select_for_update().get(pk=slo.pk)
    _set_fields(locked, fields, SLO_FIELDS)
    _save(locked, user=user, reason=reason)
    return locked


# --- buffer policies -----------------------------------------------------------------------


@transaction.atomic
def buffer_policy_create(*, user, reason: str = "", **fields) -> BufferPolicy:
    """A service's override (``service``), or the global policy when there is none yet."""
    policy = BufferPolicy()
    _set_fields(policy, fields, BUFFER_POLICY_FIELDS)
    _save(policy, user=user, reason=reason)
    return policy


@transaction.atomic
def buffer_policy_update(*, policy: BufferPolicy, user, reason: str = "", **fields) -> BufferPolicy:
    """Change ``fields`` of a buffer policy, as stored now; returns the saved row."""
    locked = BufferPolicy.objects.select_for_update().get(pk=policy.pk)
    _set_fields(locked, fields, BUFFER_POLICY_FIELDS)
    _save(locked, user=user, reason=reason)
    return locked
