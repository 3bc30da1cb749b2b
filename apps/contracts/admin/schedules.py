"""Credit schedules and their tiers in the admin, kept by legal."""

from django.contrib import admin
from django.db.models import Count

from apps.core.admin import (
    GovernedAdmin,
)

from ..models import CreditSchedule, CreditTier


class CreditTierInline(admin.TabularInline):
    model = CreditTier
    extra = 1
    fields = ["lower", "lower_inclusive", "upper", "upper_inclusive", "credit_percent"]

    # A schedule used past drafting is what was reviewed and signed (CreditSchedule.is_locked).
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_delete_permission(request, obj)


@admin.register(CreditSchedule)
class CreditScheduleAdmin(GovernedAdmin):
    list_display = ["name", "cap_percent", "tier_count", "line_count"]
    search_fields = ["name"]
    inlines = [CreditTierInline]

    def has_change_permission(self, request, obj=None):
        # Locked, nothing of it changes (CreditSchedule.is_locked): shown read-only, and its
        # history form reverts nothing either (GovernedAdmin).
        return not (obj and obj.is_locked) and super().has_change_permission(request, obj)

    def get_queryset(self, request):
        # Both counts in the list query; distinct because the two joins multiply rows.
        return (
            super()
            .get_queryset(request)
            .annotate(
                tier_total=Count("tiers", distinct=True),
                line_total=Count("commitments", distinct=True),
            )
        )

    @admin.display(description="tiers", ordering="tier_total")
    def tier_count(self, schedule):
        return schedule.tier_total

    @admin.display(description="SLA lines using it", ordering="line_total")
    def line_count(self, schedule):
        return schedule.line_total


# --- contracts -----------------------------------------------------------------------------
