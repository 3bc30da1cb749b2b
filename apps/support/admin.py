"""The support desk in the admin."""

from django.contrib import admin

# Escalations, breach causes, helpdesk sources and the ticket history upload register themselves.
from . import escalation_admin, helpdesk_admin  # noqa: F401
from .choices import ClockState
from .models import Ticket, TicketClock, TicketEvent
from .reports import admin as report_admin  # noqa: F401 (registers the reports)


class ReadOnlyInline(admin.TabularInline):
    """The log and the clocks are written by the services alone: shown, never edited here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = readonly_fields = ["at", "type", "value", "event_id", "received_at"]
    ordering = ["at", "id"]


class TicketClockInline(ReadOnlyInline):
    model = TicketClock
    fields = readonly_fields = [
        "indicator",
        "cycle",
        "metric",
        "state",
        "started_at",
        "due_at",
        "stopped_at",
        "business_elapsed_seconds",
        "paused_seconds",
        "next_at",
    ]
    ordering = ["metric", "indicator", "cycle"]


class ClockStateFilter(admin.SimpleListFilter):
    """Tickets with at least one clock in the chosen state (e.g. every breached ticket)."""

    title = "clock state"
    parameter_name = "clock_state"

    def lookups(self, request, model_admin):
        return ClockState.choices

    def queryset(self, request, queryset):
        if self.value() in ClockState.values:
            return queryset.filter(
                pk__in=TicketClock.objects.filter(state=self.value()).values("ticket_id")
            )
        return queryset


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets as their helpdesk sent them, with the read-only log and the clocks worked out
    from it. Nothing is edited here: changes arrive as events (API, webhooks, CSV upload)."""

    list_display = [
        "__str__",
        "subject",
        "service",
        "customer",
        "priority",
        "status",
        "created_at",
        "reopens",
    ]
    list_select_related = ["service", "customer"]
    list_filter = [ClockStateFilter, "priority", "status", "source", "service", "customer"]
    search_fields = ["external_id", "subject", "assignee"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [TicketClockInline, TicketEventInline]
    readonly_fields = [
        "source",
        "external_id",
        "service",
        "customer",
        "contract",
        "priority",
        "status",
        "subject",
        "assignee",
        "created_at",
        "reopens",
        "first_resolution_seconds",
        "full_resolution_seconds",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketClock)
class TicketClockAdmin(admin.ModelAdmin):
    """Every clock, read-only: what the sweep and the SLI samples work from."""

    list_display = [
        "ticket",
        "indicator",
        "cycle",
        "metric",
        "priority",
        "state",
        "due_at",
        "stopped_at",
        "next_at",
    ]
    list_select_related = ["ticket", "indicator__service"]
    list_filter = ["state", "metric", "priority", "ticket__service"]
    raw_id_fields = ["ticket", "indicator"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
