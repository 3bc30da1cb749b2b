"""API representations of the catalog: teams, services, customers and indicators."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import CleanModelSerializer

from .models import Customer, Indicator, Service, Team


class TeamSerializer(CleanModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "members"]


class ServiceBufferPolicySerializer(serializers.Serializer):
    """A service's own buffer policy, overriding the global one."""

    min_budget_ratio = serializers.DecimalField(max_digits=6, decimal_places=2)
    min_margin = serializers.DecimalField(max_digits=7, decimal_places=4)


class ServiceSerializer(CleanModelSerializer):
    buffer_policy = serializers.SerializerMethodField(
        help_text="The service's override of the global buffer policy; null when it has none."
    )

    class Meta:
        model = Service
        fields = ["id", "slug", "name", "team", "description", "buffer_policy"]

    @extend_schema_field(ServiceBufferPolicySerializer(allow_null=True))
    def get_buffer_policy(self, service):
        # A missing reverse one-to-one raises even when select_related cached its absence.
        override = getattr(service, "buffer_policy", None)
        return ServiceBufferPolicySerializer(override).data if override else None


class CustomerSerializer(CleanModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name"]


class IndicatorSerializer(CleanModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "id",
            "service",
            "name",
            "kind",
            "threshold",
            "unit",
            "source",
            "good_query",
            "total_query",
            "priority",
            "calendar",
            "pause_on",
            "on_reopen",
            "retroactive_start",
        ]
        extra_kwargs = {
            "pause_on": {
                "help_text": "Support kinds: statuses that pause the clock; null = the default."
            },
        }
