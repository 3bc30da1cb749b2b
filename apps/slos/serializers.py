"""API representations of SLOs, the buffer policy and alignment verdicts."""

from rest_framework import serializers

from apps.catalog.models import Indicator
from apps.core.api import CleanModelSerializer
from apps.core.validators import validate_target_percent

from .choices import VERDICT_CHOICES
from .models import SLO, BufferPolicy


class SLOSerializer(CleanModelSerializer):
    # Activating a second SLO is what a client does wrong; "status" is the field to fix.
    constraint_fields = {"slo_one_active_per_indicator": "status"}

    class Meta:
        model = SLO
        fields = [
            "id",
            "indicator",
            "name",
            "target",
            "window",
            "budgeting_method",
            "timeslice_target",
            "timezone",
            "status",
            "description",
            "version",
        ]
        read_only_fields = ["version"]


class BufferPolicySerializer(CleanModelSerializer):
    class Meta:
        model = BufferPolicy
        fields = ["min_budget_ratio", "min_margin"]


class PolicySerializer(serializers.Serializer):
    min_budget_ratio = serializers.DecimalField(max_digits=None, decimal_places=2)
    min_margin = serializers.DecimalField(max_digits=None, decimal_places=4)


class AlignmentSerializer(serializers.Serializer):
    """An AlignmentResult: the verdict, the SLO that decided it, the buffer and the safe maximum."""

    # The same labels as the models' verdict fields, so the schema has one Verdict enum.
    verdict = serializers.ChoiceField(choices=VERDICT_CHOICES)
    slo = serializers.IntegerField(
        source="slo.pk", allow_null=True, help_text="The active SLO the target was judged against."
    )
    slo_target = serializers.DecimalField(
        source="slo.target", max_digits=7, decimal_places=4, allow_null=True
    )
    buffer_ratio = serializers.DecimalField(
        source="alignment.buffer_ratio",
        max_digits=None,
        decimal_places=4,
        allow_null=True,
        help_text="SLA error budget ÷ SLO error budget; null when unbounded or without SLO.",
    )
    margin = serializers.DecimalField(
        source="alignment.margin",
        max_digits=None,
        decimal_places=4,
        allow_null=True,
        help_text="SLO target − SLA target, in points.",
    )
    at_risk = serializers.BooleanField(help_text="The SLO itself is missed in recent periods.")
    at_risk_reasons = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(source="alignment.reasons", child=serializers.CharField())
    safe_maximum = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        allow_null=True,
        help_text="The highest target whose buffer to the SLO meets the policy.",
    )
    policy = PolicySerializer()


class AlignmentQuerySerializer(serializers.Serializer):
    """A target not saved yet, on an indicator: what sales types before submitting."""

    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all())
    target = serializers.DecimalField(
        max_digits=7, decimal_places=4, validators=[validate_target_percent]
    )
