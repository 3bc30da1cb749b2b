"""``/api/v1/notification-channels/``: a team's channels.

The webhook secret, the PagerDuty routing key and the Opsgenie API key are write-only: given
when a channel is created (or replaced by sending a new one) and never returned. Validation is
the model's (``NotificationChannel.clean``), shared with the admin.
"""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter

from apps.catalog.ownership import TeamOwnedWrites
from apps.core.api import CleanModelSerializer, ModelPermissions

from .models import NotificationChannel


class NotificationChannelSerializer(CleanModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Signed webhooks: the HMAC-SHA256 key (generated when left out); write-only.",
    )
    routing_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="PagerDuty: the Events API v2 integration key; write-only.",
    )
    api_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Opsgenie: the API integration's key; write-only.",
    )

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "team",
            "name",
            "kind",
            "target",
            "secret",
            "routing_key",
            "events_url",
            "api_key",
            "api_url",
            "active",
        ]


class NotificationChannelViewSet(
    TeamOwnedWrites,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and edit notification channels; engineers only their team's."""

    permission_classes = [ModelPermissions]
    queryset = NotificationChannel.objects.select_related("team").order_by("team", "kind", "id")
    serializer_class = NotificationChannelSerializer
    team_path = "team"


router = SimpleRouter()
router.register(
    "notification-channels", NotificationChannelViewSet, basename="notification-channel"
)
urlpatterns = [path("", include(router.urls))]
