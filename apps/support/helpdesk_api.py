"""``/api/v1/helpdesk-sources/``: the helpdesks whose webhooks are accepted, their mappings.

The secret is write-only: it is given when a source is created (or replaced by sending a new
one) and never returned. Validation is the model's (``HelpdeskSource.clean``), shared with the
admin.
"""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter

from apps.core.api import CleanModelSerializer, ModelPermissions

from .helpdesks.models import HelpdeskSource


class HelpdeskSourceSerializer(CleanModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        max_length=200,
        help_text="The signing secret (or shared token); write-only, never returned.",
    )
    api_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="The API token that writes reassignments back; write-only, never returned. "
        "Left out or blank keeps the stored one.",
    )
    # Plain text in the schema: the priority enum is named after the tickets' field already,
    # and the model's validation refuses anything but P1-P4.
    default_priority = serializers.CharField(
        max_length=2, required=False, help_text="P1-P4, for tickets that arrive without one."
    )

    class Meta:
        model = HelpdeskSource
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "secret",
            "status_mapping",
            "priority_mapping",
            "default_service",
            "default_priority",
            "customer_mapping",
            "api_url",
            "api_email",
            "api_token",
            "group_field",
            "group_mapping",
            "active",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        # A change may leave the secret as it is; a new source needs one.
        fields["secret"].required = self.instance is None
        return fields

    def validate_api_token(self, token):
        # Blank keeps the stored token, as the admin's form does.
        return token or getattr(self.instance, "api_token", "")


class HelpdeskSourceViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and edit the helpdesk sources (the admin's permissions)."""

    permission_classes = [ModelPermissions]
    queryset = HelpdeskSource.objects.order_by("name")
    serializer_class = HelpdeskSourceSerializer


router = SimpleRouter()
router.register("helpdesk-sources", HelpdeskSourceViewSet, basename="helpdesk-source")
urlpatterns = [path("", include(router.urls))]
