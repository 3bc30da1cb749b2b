"""Escalation policies with their levels, the levels fired, and the breach causes in the admin."""

from django.contrib import admin

from .escalation_models import (
    BreachCause,
    BreachReview,
    Escalation,
    EscalationLevel,
    EscalationPolicy,
)


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    fields = [
        "position",
        "metric",
        "percent",
        "offset_minutes",
        "notify_assignee",
        "notify_team_lead",
        "channels",
        "reassign_to",
        "fire_outside_hours",
    ]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "contract", "active"]
    list_filter = ["active", "service"]
    list_select_related = ["service", "contract"]
    raw_id_fields = ["contract"]
    search_fields = ["name", "service__name"]
    inlines = [EscalationLevelInline]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Written by the evaluation only: read here."""

    list_display = ["clock", "position", "at", "fired_at"]
    list_filter = [("fired_at", admin.EmptyFieldListFilter)]
    list_select_related = ["clock__ticket"]
    raw_id_fields = ["clock", "level"]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BreachCause)
class BreachCauseAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(BreachReview)
class BreachReviewAdmin(admin.ModelAdmin):
    list_display = ["clock", "cause", "recorded_by", "recorded_at"]
    list_filter = ["cause"]
    list_select_related = ["cause", "recorded_by", "clock__ticket"]
    raw_id_fields = ["clock"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def has_add_permission(self, request, obj=None):
        return False  # given on the breaches page, through the service
