"""API representations of credit schedules, contracts, commitments, sign-offs and waivers.

Contract, commitment and waiver writes go through apps/contracts/services.py, which check
permission and state; these serializers only parse input and limit which rows it may point at.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import CleanModelSerializer, RefuseUnknownFields, name_constraint_errors
from apps.slos.selectors import AlignmentBatch
from apps.slos.serializers import AlignmentSerializer

from . import credits, policies, schedule_fit, services
from .choices import Decision
from .models import (
    SCHEDULE_LOCKED,
    Commitment,
    Contract,
    CreditSchedule,
    CreditTier,
    ScheduleFitConfirmation,
    SignOff,
    Waiver,
)
from .policies import visible_contracts


def _through_service(model, write, **kwargs):
    """Call a service; a constraint it reports under __all__ is named by its field instead."""
    try:
        return write(**kwargs)
    except DjangoValidationError as error:
        raise name_constraint_errors(model, error) from error


# --- credit schedules --------------------------------------------------------------------


class CreditTierSerializer(CleanModelSerializer):
    clean_exclude = ("schedule",)

    class Meta:
        model = CreditTier
        fields = ["id", "lower", "upper", "credit_percent", "lower_inclusive", "upper_inclusive"]
        read_only_fields = ["id"]

    def candidate(self, attrs):
        # Always a fresh tier: tiers are matched to rows only when the schedule is saved.
        return CreditTier(**attrs)


def _as_tier(data: dict) -> credits.Tier:
    return credits.Tier(
        data.get("lower"),
        data.get("upper"),
        data["credit_percent"],
        data.get("lower_inclusive", True),
        data.get("upper_inclusive", False),
    )


class CreditScheduleSerializer(CleanModelSerializer):
    tiers = CreditTierSerializer(
        many=True,
        required=False,
        help_text="Replaces every tier when given; attainment in [lower, upper) by default.",
    )

    class Meta:
        model = CreditSchedule
        fields = ["id", "name", "cap_percent", "tiers"]

    def validate(self, attrs):
        schedule, tiers = self.instance, attrs.get("tiers")
        if schedule is not None and tiers is not None and schedule.is_locked:
            current = [tier.as_tier() for tier in schedule.tiers.order_by("id")]
            if current != [_as_tier(tier) for tier in tiers]:
                raise serializers.ValidationError({"tiers": [SCHEDULE_LOCKED]})
        return super().validate(attrs)

    def validate_tiers(self, tiers):
        clash = credits.overlapping([_as_tier(tier) for tier in tiers])
        if clash:
            first, second = sorted(clash)
            raise serializers.ValidationError(
                f"Tiers {first + 1} and {second + 1} overlap: an attainment would earn two "
                "credits. Make each range end where the next begins."
            )
        return tiers

    def create(self, validated_data):
        tiers = validated_data.pop("tiers", [])
        with transaction.atomic():
            schedule = CreditSchedule.objects.create(**validated_data)
            for tier in tiers:
                CreditTier.objects.create(schedule=schedule, **tier)
        return schedule

    def update(self, schedule, validated_data):
        tiers = validated_data.pop("tiers", None)
        changed = {k: v for k, v in validated_data.items() if getattr(schedule, k) != v}
        with transaction.atomic():
            if changed:
                for name, value in changed.items():
                    setattr(schedule, name, value)
                schedule.save()
            if tiers is not None:
                self._replace_tiers(schedule, tiers)
        return schedule

    @staticmethod
    def _replace_tiers(schedule, tiers):
        """Reuse rows in order so that history shows edits, not a delete and a re-create."""
        existing = list(CreditTier.objects.filter(schedule=schedule).order_by("id"))
        for row, data in zip(existing, tiers, strict=False):
            changed = {k: v for k, v in data.items() if getattr(row, k) != v}
            if changed:
                for name, value in changed.items():
                    setattr(row, name, value)
                row.save()
        for data in tiers[len(existing) :]:
            CreditTier.objects.create(schedule=schedule, **data)
        # One by one, not queryset.delete(): every removal is recorded in history.
        for row in existing[len(tiers) :]:
            row.delete()


class CreditEvaluationQuerySerializer(serializers.Serializer):
    attainment = serializers.DecimalField(max_digits=7, decimal_places=4)


class CreditEvaluationSerializer(serializers.Serializer):
    attainment = serializers.DecimalField(max_digits=7, decimal_places=4)
    credit_percent = serializers.DecimalField(max_digits=6, decimal_places=2)


# --- contracts ---------------------------------------------------------------------------


class ContractSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = [
            "id",
            "customer",
            "number",
            "revision",
            "previous_revision",
            "title",
            "status",
            "monthly_fee",
            "currency",
            "start_date",
            "end_date",
            "renewal_date",
            "timezone",
            "support_calendar",
            "owner",
            "legal_reviewer",
            "documents",
            "created_at",
            "submitted_at",
            "submitted_by",
            "legal_approved_at",
            "legal_approved_by",
            "legal_comment",
            "signed_at",
            "signed_by",
            "signature_date",
            "signatory",
            "terminated_at",
            "termination_reason",
        ]
        read_only_fields = ["owner"]

    def get_unique_together_constraints(self, model):
        # The service validates the constraints; DRF's copies would demand read-only fields.
        return iter(())

    def _fields(self, validated_data) -> dict:
        return {k: v for k, v in validated_data.items() if k in services.CONTRACT_FIELDS}

    def create(self, validated_data):
        return _through_service(
            Contract,
            services.contract_create,
            user=self.context["request"].user,
            **self._fields(validated_data),
        )

    def update(self, contract, validated_data):
        return _through_service(
            Contract,
            services.contract_update,
            contract=contract,
            user=self.context["request"].user,
            **self._fields(validated_data),
        )


class LegalApprovalSerializer(RefuseUnknownFields, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SignatureSerializer(RefuseUnknownFields, serializers.Serializer):
    """Both optional: the date defaults to today, the signatory to the person recording it."""

    signature_date = serializers.DateField(required=False, allow_null=True, default=None)
    signatory = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class TerminationSerializer(RefuseUnknownFields, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- commitments -------------------------------------------------------------------------


class EditableContractField(serializers.PrimaryKeyRelatedField):
    """Only contracts the user may edit: anything else is an invalid choice (400 on contract)."""

    def get_queryset(self):
        return policies.editable_contracts(self.context["request"].user)


class ScheduleFindingSerializer(serializers.Serializer):
    """One way a line's credit schedule contradicts its target (``schedule_fit.py``)."""

    kind = serializers.ChoiceField(
        choices=[schedule_fit.CREDITS_ABOVE_TARGET, schedule_fit.GAP_BELOW_TARGET]
    )
    message = serializers.CharField()
    lower = serializers.DecimalField(max_digits=7, decimal_places=4, source="range.lower")
    upper = serializers.DecimalField(max_digits=7, decimal_places=4, source="range.upper")
    lower_inclusive = serializers.BooleanField(source="range.lower_inclusive")
    upper_inclusive = serializers.BooleanField(source="range.upper_inclusive")


class ScheduleConfirmationSerializer(serializers.ModelSerializer):
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ScheduleFitConfirmation
        fields = ["confirmed_by", "confirmed_at", "comment", "commitment_version"]
        read_only_fields = fields


class CommitmentSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    contract = EditableContractField(queryset=Contract.objects.all())
    alignment = serializers.SerializerMethodField(
        help_text="The live verdict of the target against the active SLOs of the service."
    )
    schedule_findings = serializers.SerializerMethodField(
        help_text=(
            "Where the credit schedule contradicts the target: credits_above_target (a tier "
            "pays attainments the SLA calls met) or gap_below_target (breaching attainments "
            "no tier pays). Empty when the schedule fits or there is none."
        )
    )
    schedule_confirmation = serializers.SerializerMethodField(
        help_text="Legal's on-purpose confirmation of this version's findings, or null."
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "contract",
            "indicator",
            "target",
            "period",
            "credit_schedule",
            "exclusions",
            "alignment",
            "schedule_findings",
            "schedule_confirmation",
            "verdict",
            "version",
        ]

    def validate_contract(self, contract):
        if self.instance is not None and contract.pk != self.instance.contract_id:
            raise serializers.ValidationError("A line cannot move to another contract.")
        return contract

    @extend_schema_field(AlignmentSerializer)
    def get_alignment(self, line):
        batch = self.context.get("alignment_batch") or AlignmentBatch([line.indicator])
        return AlignmentSerializer(batch.evaluate(line.indicator, line.target)).data

    @extend_schema_field(ScheduleFindingSerializer(many=True))
    def get_schedule_findings(self, line):
        return ScheduleFindingSerializer(line.schedule_findings, many=True).data

    @extend_schema_field(ScheduleConfirmationSerializer(allow_null=True))
    def get_schedule_confirmation(self, line):
        confirmation = line.schedule_confirmation() if line.schedule_findings else None
        return None if confirmation is None else ScheduleConfirmationSerializer(confirmation).data

    def create(self, validated_data):
        contract = validated_data.pop("contract")
        return services.commitment_create(
            contract=contract, user=self.context["request"].user, **validated_data
        )

    def update(self, line, validated_data):
        validated_data.pop("contract", None)
        return services.commitment_update(
            commitment=line, user=self.context["request"].user, **validated_data
        )


class SignOffSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    class Meta:
        model = SignOff
        fields = [
            "id",
            "commitment",
            "decision",
            "comment",
            "decided_by",
            "decided_at",
            "commitment_version",
            "slo",
            "slo_version",
            "verdict",
            "waiver",
            "is_current",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class SignOffRequestSerializer(RefuseUnknownFields, serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# --- waivers -----------------------------------------------------------------------------


class VisibleCommitmentField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Commitment.objects.filter(
            contract__in=visible_contracts(self.context["request"].user)
        ).select_related("contract")


class WaiverSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    commitment = VisibleCommitmentField(queryset=Commitment.objects.all())

    class Meta:
        model = Waiver
        fields = ["id", "commitment", "justification", "expires_on", "granted_by", "granted_at"]
        read_only_fields = ["granted_by", "granted_at"]

    def create(self, validated_data):
        return services.waiver_grant(user=self.context["request"].user, **validated_data)
