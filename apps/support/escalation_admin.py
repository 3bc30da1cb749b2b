"""Escalation policies with their levels, the levels fired, and the breach causes in the admin."""

from django.contrib import admin

from apps.slos.admin import adopt, change_reason

from .escalation_models import (
    BreachCause,
    BreachReview,
    Escalation,
    EscalationLevel,
    EscalationPolicy,
)
from .services.escalation_policies import (
    LEVEL_FIELDS,
    POLICY_FIELDS,
    escalation_policy_create,
    escalation_policy_delete,
    escalation_policy_update,
)


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    fields = [name for name in LEVEL_FIELDS if name != "id"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "contract", "active"]
    list_filter = ["active", "service"]
    list_select_related = ["service", "contract"]
    raw_id_fields = ["contract"]
    search_fields = ["name", "service__name"]
    inlines = [EscalationLevelInline]

    # The policy and its inline levels are written together by the service, in save_related
    # (the only hook that sees both the form and the formsets); save_model writes nothing.
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        fields = {
            name: form.cleaned_data[name] for name in POLICY_FIELDS if name in form.cleaned_data
        }
        levels = []
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for level_form in formset.forms:
                data = level_form.cleaned_data
                if not data or (formset.can_delete and formset._should_delete_form(level_form)):
                    if data and level_form.instance.pk:
                        formset.deleted_objects.append(level_form.instance)
                    continue
                level = {name: data[name] for name in LEVEL_FIELDS if name in data}
                if level_form.instance.pk:
                    level["id"] = level_form.instance.pk
                    if level_form.has_changed():
                        formset.changed_objects.append(
                            (level_form.instance, level_form.changed_data)
                        )
                else:
                    formset.new_objects.append(level_form.instance)
                levels.append(level)
        levels.sort(key=lambda level: level.get("position") or 0)
        reason = change_reason(request, change)
        if change:
            saved = escalation_policy_update(
                policy=form.instance, user=request.user, reason=reason, levels=levels, **fields
            )
        else:
            saved = escalation_policy_create(
                user=request.user, reason=reason, levels=levels, **fields
            )
        adopt(form.instance, saved)

    def delete_model(self, request, obj):
        escalation_policy_delete(policy=obj, user=request.user, reason="Deleted in the admin.")

    def delete_queryset(self, request, queryset):
        for policy in queryset:
            escalation_policy_delete(
                policy=policy, user=request.user, reason="Deleted in the admin."
            )


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
