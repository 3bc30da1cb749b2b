"""Support reports in the admin: read only, for whoever may read the support metrics (the pages'
rule: the Support and Leadership groups hold ``view_supportreport``, apps/core/roles.py);
reports are requested from the reports page or the API, and built by their task."""

from django.contrib import admin

from ..report_models import SupportReport


@admin.register(SupportReport)
class SupportReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "scope", "period_start", "status", "requested_at"]
    list_filter = ["kind", "scope", "status"]
    list_select_related = ["service", "customer"]
    readonly_fields = [
        "kind",
        "scope",
        "service",
        "customer",
        "period_start",
        "period_end",
        "status",
        "error",
        "requested_by",
        "requested_at",
        "generated_at",
        "data",
    ]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
