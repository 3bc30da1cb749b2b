"""Admin for release gate exceptions: recorded through the service, never edited afterwards.

Imported from apps/measurements/admin.py so that it registers with the admin site.
"""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from apps.catalog.policies import sees_every_team
from apps.core.admin import GovernedAdmin

from .gate import release_gate_exception_record
from .models import ReleaseGateException


@admin.register(ReleaseGateException)
class ReleaseGateExceptionAdmin(GovernedAdmin):
    allow_revert = False  # who opened the gate and why is a record
    list_display = ("service", "kind", "reason", "created_by", "created_at", "expires_at", "active")
    list_filter = ("kind", "service")
    list_select_related = ("service", "created_by")
    search_fields = ("reason", "service__name", "service__slug")
    fields = ("service", "kind", "reason", "expires_at")
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description="Active")
    def active(self, obj):
        return obj.is_active()

    def has_change_permission(self, request, obj=None):
        # A record of who opened the gate and why: it is not rewritten afterwards.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # The service checks the permission, validates and records the user and reason.
        saved = release_gate_exception_record(
            service=form.cleaned_data["service"],
            user=request.user,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk, obj.created_by, obj.created_at = saved.pk, saved.created_by, saved.created_at

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "service" and not sees_every_team(request.user):
            field.queryset = field.queryset.filter(team__members=request.user)
        return field

    def get_changeform_initial_data(self, request):
        return {"expires_at": timezone.now() + timedelta(hours=4)}
