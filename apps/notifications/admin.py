"""Team channels and the delivery log in the admin; retrying calls the service."""

from django.contrib import admin
from django.utils.text import Truncator

from apps.catalog.ownership import TeamOwnedAdmin
from apps.core.admin import apply_to_each

from . import services
from .models import NotificationChannel, NotificationDelivery

SECRET_FIELDS = ("secret", "routing_key", "api_key")


@admin.register(NotificationChannel)
class NotificationChannelAdmin(TeamOwnedAdmin):
    list_display = ["team", "kind", "name", "target_display", "active"]
    list_filter = ["kind", "active", "team"]
    list_select_related = ["team"]
    search_fields = ["name", "target", "team__name"]
    fields = [
        "team",
        "kind",
        "name",
        "target",
        "secret",
        "routing_key",
        "events_url",
        "api_key",
        "api_url",
        "active",
    ]
    team_path = "team"
    owned_choices = {"team": "members"}

    def get_fields(self, request, obj=None):
        # Keys are for the team that receives the notices: readers who may not change the
        # channel (other teams, leadership) never see them, so none can forge or page.
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [name for name in fields if name not in SECRET_FIELDS]
        return fields

    @admin.display(description="target", ordering="target")
    def target_display(self, channel):
        return Truncator(channel.address).chars(60)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "subject_display",
        "kind",
        "action",
        "role",
        "target",
        "status",
        "attempts",
        "response_status",
        "error",
        "sent_at",
    ]
    list_filter = ["status", "kind", "action", "role"]
    search_fields = ["target", "subject", "dedup_key"]
    show_full_result_count = False
    actions = ["retry"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="subject", ordering="subject")
    def subject_display(self, delivery):
        return Truncator(delivery.subject).chars(60)

    @admin.display(description="last error")
    def error(self, delivery):
        return Truncator(delivery.last_error).chars(80)

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.retry_notificationdelivery")

    @admin.action(description="Retry failed deliveries", permissions=["retry"])
    def retry(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda delivery: services.delivery_retry(delivery=delivery, user=request.user),
            done="deliveries queued again",
        )
