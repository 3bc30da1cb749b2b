"""Pieces every Covenant admin shares: governed (history-tracked) admins and actions that run a
service on each selected row and say what happened to each.

Admin actions never write rows themselves: they call the same services as the web forms and the
API, so permissions, state rules and history (user and reason) are the same everywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta

from apps.core.errors import DomainError

# What a service raises when it refuses an action; an action reports these, never a 500.
REFUSALS = (PermissionDenied, DomainError, ValidationError)


def refusal_message(error: Exception) -> str:
    """The plain-words reason a service gave for refusing."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, DomainError):
        return error.message
    return str(error) or "You may not do this."


def _delta(new_record, old_record, related_objects: bool) -> ModelDelta:
    """What changed from ``old_record`` to ``new_record``, over every tracked field (editable or
    not); foreign keys as their objects when ``related_objects``."""

    def value(record, field):
        if related_objects and field.many_to_one:
            try:
                return getattr(record, field.name)
            except ObjectDoesNotExist:
                return None
        return getattr(record, field.attname)

    changes = [
        ModelChange(field.name, value(old_record, field), value(new_record, field))
        for field in new_record.tracked_fields
        if getattr(old_record, field.attname) != getattr(new_record, field.attname)
    ]
    changes.sort(key=lambda change: change.field)
    return ModelDelta(changes, [c.field for c in changes], old_record, new_record)


class GovernedAdmin(SimpleHistoryAdmin):
    """Admin for a model tracked by django-simple-history.

    SimpleHistoryAdmin records the acting user on saves made here; the History button shows who
    changed what. ``allow_revert = False`` turns the history pages into a read-only record, for
    models whose state may only move through services (a revert would rewrite a status).

    django-simple-history asks only for view permission before its history form saves a past
    version, and lists the history of any row that exists. Here both history pages show only
    rows the changelist shows (``get_queryset``; anything else is a 404), and the form reverts
    only for a user who may change that very row (``has_change_permission(request, obj)``, so
    team ownership applies); anyone else sees the version read-only, and a POST is refused.
    """

    allow_revert = True

    def _history_object(self, request, object_id):
        """The row as the changelist shows it; None when it was deleted (only its history is
        left). Http404 when it exists but the user may not see it."""
        object_id = unquote(object_id)
        try:
            return self.get_queryset(request).get(pk=object_id)
        except (self.model.DoesNotExist, ValidationError, ValueError):
            pass
        try:
            exists = self.model._default_manager.filter(pk=object_id).exists()
        except (ValidationError, ValueError):
            exists = False
        if exists:
            raise Http404
        return None

    def may_revert(self, request, obj) -> bool:
        return self.allow_revert and self.has_change_permission(request, obj)

    def revert_disabled(self, request, obj=None):
        return not self.may_revert(request, obj) or super().revert_disabled(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if getattr(request, "_covenant_history_read_only", False):
            # A past version shown to someone who may not revert it: every field as text
            # (the non-editable ones too, which a fieldset may name).
            model_fields = [
                field.name
                for field in self.model._meta.get_fields()
                if (field.concrete or field.many_to_many) and not field.auto_created
            ]
            return [*readonly, *(name for name in model_fields if name not in readonly)]
        return readonly

    def history_view(self, request, object_id, extra_context=None):
        self._history_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page's "Changes" column, over every tracked field.

        django-simple-history diffs only editable fields, and a governed model's state (status,
        verdict, version, who approved and when) is not editable: it moves through services.
        So a contract's history showed "Submitted for review" with no change beside it."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = _delta(previous, current, foreign_keys_are_objs)
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self._history_object(request, object_id)
        if current is None:
            # A deleted row is judged on the version asked for (a revert would recreate it).
            history = self.model._meta.simple_history_manager_attribute
            record = get_object_or_404(
                getattr(self.model, history).model,
                **{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id},
            )
            current = record.instance
        if self.may_revert(request, current):
            return super().history_form_view(request, object_id, version_id, extra_context)
        if request.method == "POST":
            raise PermissionDenied("You may not change this record, so you may not revert it.")
        request._covenant_history_read_only = True
        # The library reads the attribute, not get_prepopulated_fields: a field shown as text
        # has nothing to prepopulate, so the page is drawn by a copy without them.
        viewer = copy.copy(self)
        viewer.prepopulated_fields = {}
        return SimpleHistoryAdmin.history_form_view(
            viewer, request, object_id, version_id, extra_context
        )


class ReadOnlyGovernedAdmin(GovernedAdmin):
    """Rows that change only through services (and actions calling them), never by a form."""

    allow_revert = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page that only services write: never added, changed or
    removed there; each links to its own page."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def apply_to_each(
    modeladmin: admin.ModelAdmin,
    request,
    objects: Iterable[Model],
    perform: Callable[[Model], object],
    *,
    done: str,
    describe: Callable[[Model], str] = str,
) -> int:
    """Run ``perform`` (a service call) on each object; report the count and every refusal.

    Each call runs in its own transaction (inside the service), so one refused row does not undo
    the others. Returns how many succeeded.
    """
    succeeded = 0
    for obj in objects:
        try:
            perform(obj)
        except REFUSALS as error:
            modeladmin.message_user(
                request, f"{describe(obj)}: {refusal_message(error)}", messages.ERROR
            )
        else:
            succeeded += 1
    modeladmin.message_user(
        request, f"{succeeded} {done}.", messages.SUCCESS if succeeded else messages.WARNING
    )
    return succeeded


class CommentForm(forms.Form):
    """The comment (or reason) an action asks for on its intermediate page."""

    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), required=False)

    def __init__(self, *args, required_message: str | None = None, label: str = "Comment", **kw):
        super().__init__(*args, **kw)
        self.required_message = required_message
        self.fields["comment"].label = label

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        if self.required_message and not comment:
            raise ValidationError(self.required_message)
        return comment


def action_with_comment(
    modeladmin: admin.ModelAdmin,
    request,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    button: str,
    perform: Callable[[Model, str], object],
    done: str,
    label: str = "Comment",
    required_message: str | None = None,
    row_details: Callable[[Model], str] | None = None,
    describe: Callable[[Model], str] = str,
):
    """An action that first asks for a comment on a small page, then applies ``perform``.

    The first POST (from the changelist) renders the page; its form posts back to the changelist
    with ``apply`` set, the same action and the same selection, and then the work is done.
    Returns None (back to the changelist) once applied, or the page to render.
    """
    if "apply" in request.POST:
        form = CommentForm(request.POST, required_message=required_message, label=label)
        if form.is_valid():
            comment = form.cleaned_data["comment"]
            apply_to_each(
                modeladmin,
                request,
                queryset,
                lambda obj: perform(obj, comment),
                done=done,
                describe=describe,
            )
            return None
    else:
        form = CommentForm(required_message=required_message, label=label)
    opts = modeladmin.model._meta
    rows = [(describe(obj), obj.pk, row_details(obj) if row_details else "") for obj in queryset]
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "button": button,
        "action": action,
        "form": form,
        "rows": rows,
        "opts": opts,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/action_with_comment.html", context)
