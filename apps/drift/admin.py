"""Drift in the admin: the events (resolved by an action), each team's channels, the delivery log.

Events and deliveries are written by detectors and tasks only; people resolve events and retry
failed deliveries through actions that call the services.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.text import Truncator

from apps.catalog.ownership import TeamOwnedAdmin
from apps.core.admin import action_with_comment, apply_to_each

from . import services
from .choices import DeliveryStatus
from .models import DriftEvent, NotificationChannel, NotificationDelivery


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


class DeliveryInline(admin.TabularInline):
    model = NotificationDelivery
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


@admin.register(NotificationChannel)
class NotificationChannelAdmin(TeamOwnedAdmin):
    list_display = ["team", "kind", "name", "target_display", "active"]
    list_filter = ["kind", "active", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "target", "team__name"]
    fields = ["team", "kind", "name", "target", "secret", "active"]
    team_path = "team"
    owned_choices = {"team": "members"}

    def get_fields(self, request, obj=None):
        # The signing secret is for the team that receives the notices: readers who may not
        # change the channel (other teams, leadership) never see it, so none can forge one.
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [name for name in fields if name != "secret"]
        return fields

    @admin.display(description="target", ordering="target")
    def target_display(self, channel):
        return Truncator(channel.target).chars(60)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "event",
        "kind",
        "role",
        "target",
        "status",
        "attempts",
        "error",
        "sent_at",
    ]
    list_filter = ["status", "kind", "role"]
    list_select_related = ["event"]
    search_fields = ["target", "event__commitment__contract__number"]
    show_full_result_count = False
    actions = ["retry"]

    @admin.display(description="last error")
    def error(self, delivery):
        return Truncator(delivery.last_error).chars(80)

    def has_retry_permission(self, request):
        return request.user.has_perm("drift.retry_notificationdelivery")

    @admin.action(description="Retry failed deliveries", permissions=["retry"])
    def retry(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda delivery: services.delivery_retry(delivery=delivery, user=request.user),
            done="deliveries queued again",
        )
