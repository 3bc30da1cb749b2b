"""Drift in the admin: the events (resolved by an action) and the notices each one sent.

Events are written by detectors only; people resolve them through an action that calls the
service. Channels and the delivery log are the notifications app's.
"""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models import Count, Q

from apps.core.admin import action_with_comment
from apps.notifications.choices import DeliveryStatus
from apps.notifications.models import NotificationDelivery

from . import services
from .models import DriftEvent


class ResolvedFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", "Open (DRIFTED)"), ("yes", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by detectors and tasks: people read them and act through actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(GenericTabularInline):
    model = NotificationDelivery
    ct_field = "cause_type"
    ct_fk_field = "cause_id"
    fields = ["kind", "role", "target", "status", "attempts", "last_error", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DriftEvent)
class DriftEventAdmin(ReadOnlyAdmin):
    list_display = [
        "detected_at",
        "kind",
        "contract",
        "commitment",
        "state",
        "sent",
        "failed",
    ]
    list_filter = ["kind", ResolvedFilter, "detected_at"]
    list_select_related = [
        "commitment__contract__customer",
        "commitment__indicator__service",
        "resolved_by",
    ]
    search_fields = ["commitment__contract__number", "commitment__contract__customer__name"]
    date_hierarchy = "detected_at"
    show_full_result_count = False
    inlines = [DeliveryInline]
    actions = ["mark_resolved"]
    fields = [
        "commitment",
        "kind",
        "event_key",
        "detected_at",
        "summary",
        "details",
        "resolved_at",
        "resolved_by",
        "resolution_note",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # Counted in SQL so the list costs the same whatever the number of events.
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
                failed_count=Count(
                    "deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)
                ),
            )
        )

    @admin.display(description="contract", ordering="commitment__contract__number")
    def contract(self, event):
        contract = event.commitment.contract
        return f"{contract} · {contract.customer}"

    @admin.display(description="state", ordering="resolved_at")
    def state(self, event):
        if event.is_open:
            return "DRIFTED"
        return f"Resolved by {event.resolved_by} on {event.resolved_at:%Y-%m-%d}"

    @admin.display(description="notices sent", ordering="sent_count")
    def sent(self, event):
        return event.sent_count

    @admin.display(description="notices failed", ordering="failed_count")
    def failed(self, event):
        return event.failed_count

    def has_resolve_permission(self, request):
        return request.user.has_perm("drift.resolve_driftevent")

    @admin.action(description="Mark resolved", permissions=["resolve"])
    def mark_resolved(self, request, queryset):
        return action_with_comment(
            self,
            request,
            queryset.select_related("commitment__contract", "commitment__indicator__service"),
            action="mark_resolved",
            title="Resolve drift events",
            button="Mark resolved",
            label="How was it dealt with?",
            perform=lambda event, note: services.drift_event_resolve(
                event=event, user=request.user, note=note
            ),
            done="drift events resolved",
            describe=lambda event: f"{event.commitment.contract}: {event.get_kind_display()}",
        )
