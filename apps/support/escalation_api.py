"""``/api/v1/escalation-policies/``: who hears of a service's tickets, and when.

A policy is written whole, levels included: a change replaces its levels (numbered from 1 in
the order given), through ``services.escalation_policies`` as the admin's writes are. Levels
are placed on running clocks by their next recomputation or evaluation.
"""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter

from apps.core.api import CleanModelSerializer, ModelPermissions, RefuseUnknownFields
from apps.notifications.models import NotificationChannel

from .choices import ClockMetric
from .escalation_models import EscalationPolicy
from .services.escalation_policies import escalation_policy_create, escalation_policy_update

API_CREATE_REASON = "Created through the API."
API_CHANGE_REASON = "Changed through the API."


class EscalationLevelSerializer(RefuseUnknownFields, serializers.Serializer):
    metric = serializers.ChoiceField(
        choices=ClockMetric.choices, allow_null=True, required=False, help_text="Null for both."
    )
    percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        allow_null=True,
        required=False,
    )
    offset_minutes = serializers.IntegerField(
        allow_null=True, required=False, min_value=-100_000, max_value=100_000
    )
    notify_assignee = serializers.BooleanField(default=False)
    notify_team_lead = serializers.BooleanField(default=False)
    channels = serializers.PrimaryKeyRelatedField(
        many=True, queryset=NotificationChannel.objects.all(), required=False
    )
    reassign_to = serializers.CharField(max_length=150, allow_blank=True, required=False)
    fire_outside_hours = serializers.BooleanField(
        default=False,
        help_text="Fire even when the clock's calendar is closed; otherwise at its next opening.",
    )

    def validate(self, attrs):
        if (attrs.get("percent") is None) == (attrs.get("offset_minutes") is None):
            raise serializers.ValidationError(
                {"percent": "A level sits at a percent of the target or at an offset, not both."}
            )
        return attrs


class EscalationPolicySerializer(CleanModelSerializer):
    levels = EscalationLevelSerializer(many=True)

    class Meta:
        model = EscalationPolicy
        fields = ["id", "name", "service", "contract", "lead_email", "active", "levels"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["levels"] = [
            {
                "level": level.position,
                "metric": level.metric or None,
                "percent": None if level.percent is None else str(level.percent),
                "offset_minutes": level.offset_minutes,
                "notify_assignee": level.notify_assignee,
                "notify_team_lead": level.notify_team_lead,
                "channels": sorted(channel.pk for channel in level.channels.all()),
                "reassign_to": level.reassign_to,
                "fire_outside_hours": level.fire_outside_hours,
            }
            for level in instance.levels.all()
        ]
        return data

    def validate_levels(self, levels):
        if not levels:
            raise serializers.ValidationError("A policy needs at least one level.")
        return levels


class EscalationPolicyViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and edit escalation policies (the support desk keeps them)."""

    permission_classes = [ModelPermissions]
    queryset = EscalationPolicy.objects.prefetch_related("levels__channels").order_by("id")
    serializer_class = EscalationPolicySerializer

    def perform_create(self, serializer):
        serializer.instance = escalation_policy_create(
            user=self.request.user, reason=API_CREATE_REASON, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = escalation_policy_update(
            policy=serializer.instance,
            user=self.request.user,
            reason=API_CHANGE_REASON,
            **serializer.validated_data,
        )


router = SimpleRouter()
router.register("escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
urlpatterns = [path("", include(router.urls))]
