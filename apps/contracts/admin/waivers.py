"""Waivers in the admin: leadership's justified, expiring exceptions."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.admin import (
    GovernedAdmin,
)

from .. import policies, services
from ..choices import TERMINAL_STATES
from ..models import Waiver


class WaiverForm(forms.ModelForm):
    """Leadership grants a waiver; who grants it comes from the request, never from the form."""

    class Meta:
        model = Waiver
        fields = ["commitment", "justification", "expires_on"]

    user = None  # set by WaiverAdmin.get_form

    def clean_commitment(self):
        commitment = self.cleaned_data["commitment"]
        try:
            policies.check_grant_waiver(self.user, commitment)
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        return commitment


@admin.register(Waiver)
class WaiverAdmin(GovernedAdmin):
    """Granted through services.waiver_grant; a granted waiver is a record (grant a new one)."""

    form = WaiverForm
    allow_revert = False
    list_display = ["commitment", "contract", "granted_by", "granted_at", "expires_on", "active"]
    list_select_related = ["commitment__contract", "commitment__indicator__service", "granted_by"]
    list_filter = ["expires_on"]
    search_fields = ["commitment__contract__number", "justification"]
    autocomplete_fields = ["commitment"]
    readonly_fields = ["granted_by", "granted_at"]

    def get_queryset(self, request):
        return policies.visible_through_contract(
            request.user, super().get_queryset(request), "commitment__contract"
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "commitment":
            # A closed contract needs no waiver: offer only lines of live revisions.
            field.queryset = field.queryset.exclude(contract__status__in=TERMINAL_STATES)
        return field

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        waiver = services.waiver_grant(
            commitment=obj.commitment,
            user=request.user,
            justification=obj.justification,
            expires_on=obj.expires_on,
        )
        obj.pk, obj.granted_by, obj.granted_at = waiver.pk, waiver.granted_by, waiver.granted_at

    @admin.display(description="contract", ordering="commitment__contract__number")
    def contract(self, waiver):
        return waiver.commitment.contract

    @admin.display(description="active", boolean=True)
    def active(self, waiver):
        return waiver.is_active()
