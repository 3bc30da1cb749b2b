"""Every write to escalation policies and their levels goes through these functions.

The API and the admin call them, so each write is validated the same way, runs in one
transaction with the policy row locked, and records who made it and why in history (the
policy's and each level's).

A policy's levels are given whole: a level with the ``id`` of one of the policy's levels is
changed in place; a level without one takes the place of the stored level at its position, if
that one is not named by id, and is otherwise created; a stored level left out is deleted. A
level changed in place keeps its escalations, so a level that fired on a clock does not fire
again there after its policy is edited. The API sends no ids (its levels are numbered from 1 in
the order given); the admin's inline sends its rows' ids and positions. Nothing here moves the
levels already placed on running clocks: a clock takes its policy's levels at its next
recomputation, as it always has.

They raise ``ValidationError`` with messages per field (a level's under its own field, the
message saying which level); nothing is written when they do.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from ..escalation_models import EscalationLevel, EscalationPolicy

POLICY_FIELDS = ("name", "service", "contract", "lead_email", "active")
LEVEL_FIELDS = (
    "id",
    "position",
    "metric",
    "percent",
    "offset_minutes",
    "notify_assignee",
    "notify_team_lead",
    "channels",
    "reassign_to",
    "fire_outside_hours",
)

# The field a person fixes when a constraint refuses the row (Django files a conditional
# constraint's message under no field).
CONSTRAINT_FIELDS = {
    "escalationpolicy_one_per_service": "service",
    "escalationpolicy_one_per_contract": "contract",
    "escalationlevel_percent_or_offset": "percent",
    "escalationlevel_percent_range": "percent",
    "escalationlevel_unique_position": "position",
}


def _unknown_fields(fields: dict, allowed: tuple[str, ...], prefix: str = "") -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: f"{prefix}This field cannot be set here." for name in unknown})


def _errors(instance: models.Model, *, exclude: set[str]) -> dict[str, list[str]]:
    """``full_clean`` and every constraint of ``instance``, each error under the field to fix."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            # The model's clean() says "percent or offset" under no field: percent is the
            # field the API has always named for it.
            if name == NON_FIELD_ERRORS and isinstance(instance, EscalationLevel):
                name = "percent"
            errors.setdefault(name, []).extend(messages)
    for constraint in instance._meta.constraints:
        try:
            constraint.validate(type(instance), instance, exclude=exclude | set(errors))
        except ValidationError as error:
            name = CONSTRAINT_FIELDS.get(constraint.name, NON_FIELD_ERRORS)
            messages = [m for m in error.messages if m not in errors.get(name, [])]
            if messages:
                errors.setdefault(name, []).extend(messages)
    return errors


def _record(instance: models.Model, *, user, reason: str) -> None:
    if user is not None:  # else the request's user, recorded by HistoryRequestMiddleware
        instance._history_user = user
    instance._change_reason = reason


def _planned_levels(policy: EscalationPolicy, levels: list[dict]):
    """The levels as they would be saved (unsaved), with their channels, and the levels of the
    policy left out; raises with every bad level's errors, each under its field."""
    existing = {level.pk: level for level in policy.levels.all()} if policy.pk else {}
    named = {data.get("id") for data in levels} - {None}
    # Stored levels no given level names by id, by position: an id-less level at that position
    # takes the stored one's place.
    unnamed = {level.position: level for pk, level in existing.items() if pk not in named}
    planned, kept = [], set()
    errors: dict[str, list[str]] = {}
    for number, data in enumerate(levels, start=1):
        data = dict(data)
        _unknown_fields(data, LEVEL_FIELDS, prefix=f"Level {number}: ")
        level_id = data.pop("id", None)
        if level_id is not None and level_id not in existing:
            raise ValidationError({"id": f"Level {number}: not a level of this policy."})
        position = data.pop("position", None)
        position = number if position is None else position
        if level_id is not None:
            level = existing[level_id]
        elif (level := unnamed.pop(position, None)) is not None:
            # Given whole, as a new level would be: what it leaves out takes its default.
            for name in LEVEL_FIELDS[2:]:
                field = EscalationLevel._meta.get_field(name)
                if not field.many_to_many:
                    setattr(level, name, field.get_default())
        else:
            level = EscalationLevel()
        kept.add(level.pk)
        channels = list(data.pop("channels", []) or [])
        level.position = position
        level.metric = data.pop("metric", None) or ""
        for name, value in data.items():
            setattr(level, name, value)
        # Positions are checked among the given levels below: the stored ones may be about to
        # be deleted or moved, and a new policy has no row yet.
        for name, messages in _errors(level, exclude={"policy"}).items():
            errors.setdefault(name, []).extend(f"Level {number}: {m}" for m in messages)
        planned.append((level, channels))
    positions = [level.position for level, _ in planned]
    if len(positions) != len(set(positions)):
        errors.setdefault("position", []).append("Two levels share a position.")
    if errors:
        raise ValidationError(errors)
    dropped = [level for pk, level in existing.items() if pk not in kept]
    return planned, dropped


def _write_levels(policy, planned, dropped, *, user, reason: str) -> None:
    for level in dropped:
        _record(level, user=user, reason=reason)
        level.delete()
    # Levels changed in place first move out of the way, so positions can be swapped.
    moving = [level for level, _ in planned if level.pk is not None]
    if moving:
        EscalationLevel.objects.filter(pk__in=[level.pk for level in moving]).update(
            position=models.F("position") + 10_000
        )
    for level, channels in planned:
        level.policy = policy
        _record(level, user=user, reason=reason)
        level.save()
        level.channels.set(channels)


@transaction.atomic
def escalation_policy_create(
    *, user, levels: list[dict], reason: str = "", **fields
) -> EscalationPolicy:
    """A new policy from ``fields`` (any of POLICY_FIELDS) with its ``levels`` (at least one)."""
    _unknown_fields(fields, POLICY_FIELDS)
    if not levels:
        raise ValidationError({"levels": "A policy needs at least one level."})
    policy = EscalationPolicy(**fields)
    errors = _errors(policy, exclude=set())
    if errors:
        raise ValidationError(errors)
    planned, dropped = _planned_levels(policy, levels)
    _record(policy, user=user, reason=reason)
    policy.save()
    _write_levels(policy, planned, dropped, user=user, reason=reason)
    return policy


@transaction.atomic
def escalation_policy_update(
    *, policy: EscalationPolicy, user, levels: list[dict] | None = None, reason: str = "", **fields
) -> EscalationPolicy:
    """Change ``fields`` of a policy, as stored now, and, given ``levels``, its levels.

    Returns the saved row; ``policy`` itself is left as it was given.
    """
    _unknown_fields(fields, POLICY_FIELDS)
    # Locked before it is read, so two edits cannot both build on the same levels.
    locked = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    errors = _errors(locked, exclude=set())
    if errors:
        raise ValidationError(errors)
    if levels is not None and not levels:
        raise ValidationError({"levels": "A policy needs at least one level."})
    planned, dropped = _planned_levels(locked, levels) if levels is not None else ([], [])
    _record(locked, user=user, reason=reason)
    locked.save()
    if levels is not None:
        _write_levels(locked, planned, dropped, user=user, reason=reason)
    return locked


@transaction.atomic
def escalation_policy_delete(*, policy: EscalationPolicy, user, reason: str = "") -> None:
    """Delete a policy and its levels (their escalations on the clocks go with them)."""
    locked = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    for level in locked.levels.all():
        _record(level, user=user, reason=reason)
        level.delete()
    _record(locked, user=user, reason=reason)
    locked.delete()
