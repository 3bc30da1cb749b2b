"""API plumbing shared by every app: error translation, permissions, model validation, history."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .history import CHANGE_TYPES, HistoryEntry, history_entries
from .parsers import RequestBodyTooLarge
from .validators import TEXT_MAX_LENGTH


def api_errors(error: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF's error body: ``{field: [messages]}``."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


def exception_handler(exc, context):
    """Domain errors become 409, Django validation errors 400 per field, PermissionDenied 403.

    A body past Django's upload limits (read by the form parsers) is a JSON 413 or 400 too,
    not Django's HTML page for a suspicious request.
    """
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestBodyTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError(str(exc))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(api_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


# --- permissions -------------------------------------------------------------------------


class ModelPermissions(permissions.DjangoModelPermissions):
    """The model permissions of the roles (apps/core/roles.py), reads included, as in the admin."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


# --- validation --------------------------------------------------------------------------


def constraint_field(constraint, overrides: dict[str, str]) -> str:
    """The field a violated constraint is reported under: as configured, else its first field."""
    if constraint.name in overrides:
        return overrides[constraint.name]
    fields = getattr(constraint, "fields", ())
    return fields[0] if fields else api_settings.NON_FIELD_ERRORS_KEY


def validate_instance(
    instance: models.Model, *, exclude=(), constraint_fields: dict[str, str] | None = None
) -> None:
    """``full_clean`` then each database constraint, raising DRF errors that name a field.

    Django files most constraint violations under ``__all__``; a client needs to know which field
    to fix, and the database must never be the one to refuse (that would be a 500).
    """
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except DjangoValidationError as error:
        raise serializers.ValidationError(api_errors(error)) from error
    errors: dict[str, list[str]] = {}
    for constraint in instance._meta.constraints:
        try:
            constraint.validate(type(instance), instance, exclude=set(exclude))
        except DjangoValidationError as error:
            field = constraint_field(constraint, constraint_fields or {})
            errors.setdefault(field, []).extend(error.messages)
    if errors:
        raise serializers.ValidationError(errors)


def name_constraint_errors(model: type[models.Model], error: DjangoValidationError):
    """Re-file a service's non-field error that is a constraint's message under its first field."""
    if not hasattr(error, "error_dict") or NON_FIELD_ERRORS not in error.error_dict:
        return error
    by_message = {
        str(c.violation_error_message): c.fields[0]
        for c in model._meta.constraints
        if getattr(c, "fields", ()) and c.violation_error_message
    }
    errors = {k: v for k, v in error.message_dict.items() if k != NON_FIELD_ERRORS}
    for message in error.message_dict[NON_FIELD_ERRORS]:
        errors.setdefault(by_message.get(message, NON_FIELD_ERRORS), []).append(message)
    return DjangoValidationError(errors)


class RefuseUnknownFields:
    """Serializer mixin for writes: unknown fields are a 400, and text is bounded.

    ``{"nmae": "x"}`` would otherwise be ignored and the client never learn of its typo. Fields
    the serializer shows read-only are accepted (and ignored), so what a GET returned may be
    sent back as it is. A text field without a length of its own (a model TextField) takes at
    most ``TEXT_MAX_LENGTH`` characters.
    """

    # Sent by Django's HTML forms (the browsable API), not a field of anything.
    ignored_keys = frozenset({"csrfmiddlewaretoken"})

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if (
                isinstance(field, serializers.CharField)
                and not field.read_only
                and field.max_length is None
            ):
                field.max_length = TEXT_MAX_LENGTH
                message = field.error_messages["max_length"].format(max_length=TEXT_MAX_LENGTH)
                field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH, message=message))
        return fields

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {
                key: ["Unknown field."]
                for key in data
                if key not in self.fields and key not in self.ignored_keys
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class CleanModelSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    """A model serializer that validates with the model's own rules before any write.

    ``full_clean`` runs on the would-be instance, so forms, admin and API refuse the same input
    with the same messages; constraint violations name a field (``constraint_fields`` maps a
    constraint name to the field to blame, else its first field is used).
    """

    constraint_fields: dict[str, str] = {}
    clean_exclude: tuple[str, ...] = ()

    def get_unique_together_constraints(self, model):
        # validate_instance checks every constraint and names the field; DRF's own validators
        # would answer under non_field_errors and make the constraint's fields required.
        return iter(())

    def candidate(self, attrs) -> models.Model:
        """The instance as it would be saved (not saved)."""
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        return instance

    def validate(self, attrs):
        attrs = super().validate(attrs)
        validate_instance(
            self.candidate(attrs),
            exclude=self.clean_exclude,
            constraint_fields=self.constraint_fields,
        )
        return attrs


# --- history -----------------------------------------------------------------------------


class HistoryEntrySerializer(serializers.Serializer):
    """One change of a governed object: who, when, what (field → [old, new]) and why."""

    changed_at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)
    change_type = serializers.ChoiceField(choices=sorted(CHANGE_TYPES.values()))
    changes = serializers.DictField(child=serializers.ListField(allow_empty=True))
    reason = serializers.CharField(allow_blank=True)
    object = serializers.CharField(source="object_label")


class HistoryMixin:
    """Adds ``GET <resource>/{id}/history/`` to a viewset: the object's changes, newest first."""

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, *args, **kwargs):
        entries = self.history_entries(self.get_object())
        return Response(HistoryEntrySerializer(entries, many=True).data)

    def history_entries(self, instance) -> list[HistoryEntry]:
        """Override to merge the histories of dependent rows (a schedule's tiers)."""
        return history_entries(instance)
