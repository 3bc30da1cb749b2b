"""REST endpoints of credit schedules, contracts, commitments and waivers.

List filters are FilterSets: a value that cannot be one is a 400 naming the filter.

Who sees what comes from policies.visible_contracts (an invisible row is a 404); who may do what
is checked by the services (PermissionDenied → 403, a forbidden transition → 409).
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import HistoryMixin, ModelPermissions
from apps.core.filters import IdFilter
from apps.core.history import grouped_entries, history_entries
from apps.slos.selectors import AlignmentBatch
from apps.slos.serializers import AlignmentSerializer

from . import services
from .choices import ContractStatus
from .models import Commitment, Contract, CreditSchedule, CreditTier, Waiver
from .policies import visible_contracts
from .serializers import (
    CommitmentSerializer,
    ContractSerializer,
    CreditEvaluationQuerySerializer,
    CreditEvaluationSerializer,
    CreditScheduleSerializer,
    LegalApprovalSerializer,
    SignatureSerializer,
    SignOffRequestSerializer,
    SignOffSerializer,
    TerminationSerializer,
    WaiverSerializer,
)


class _NoDeleteViewSet(
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    pass


class ContractFilterSet(django_filters.FilterSet):
    """``?status=``, ``?customer=`` and ``?number=``; a value that cannot be one is a 400."""

    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    customer = IdFilter(field_name="customer_id", label="Customer id")
    number = django_filters.CharFilter(max_length=50)

    class Meta:
        model = Contract
        fields = ["status", "customer", "number"]


class CommitmentFilterSet(django_filters.FilterSet):
    contract = IdFilter(field_name="contract_id", label="Contract id")
    indicator = IdFilter(field_name="indicator_id", label="Indicator id")

    class Meta:
        model = Commitment
        fields = ["contract", "indicator"]


class CreditScheduleViewSet(_NoDeleteViewSet):
    """Credit schedules with their tiers, written together; legal edits them."""

    queryset = CreditSchedule.objects.prefetch_related("tiers")
    serializer_class = CreditScheduleSerializer
    permission_classes = [ModelPermissions]

    def history_entries(self, schedule):
        # The tiers are the substance of a schedule: their changes belong in its history.
        tier_ids = CreditTier.history.filter(schedule_id=schedule.pk).values_list("id", flat=True)
        merged = history_entries(schedule) + grouped_entries(
            CreditTier.history.model, set(tier_ids), {}
        )
        return sorted(merged, key=lambda entry: entry.changed_at, reverse=True)

    @extend_schema(
        parameters=[CreditEvaluationQuerySerializer], responses=CreditEvaluationSerializer
    )
    @action(detail=True, methods=["get"])
    def evaluate(self, request, pk=None):
        """The credit % the schedule grants for an attainment (0 when no tier holds it)."""
        schedule = self.get_object()
        query = CreditEvaluationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        attainment = query.validated_data["attainment"]
        return Response(
            CreditEvaluationSerializer(
                {"attainment": attainment, "credit_percent": schedule.credit_percent(attainment)}
            ).data
        )


class ContractViewSet(_NoDeleteViewSet):
    """Contract revisions. Sales drafts, legal approves and signs; amend opens a new revision."""

    serializer_class = ContractSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContractFilterSet

    def get_queryset(self):
        return visible_contracts(self.request.user, Contract.objects.all())

    def _respond(self, contract, code=status.HTTP_200_OK):
        return Response(self.get_serializer(contract).data, status=code)

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(
            services.contract_submit(contract=self.get_object(), user=request.user)
        )

    @extend_schema(request=LegalApprovalSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"], url_path="legal-approve")
    def legal_approve(self, request, pk=None):
        contract = self.get_object()
        body = LegalApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            services.contract_legal_approve(
                contract=contract, user=request.user, comment=body.validated_data["comment"]
            )
        )

    @extend_schema(request=SignatureSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        contract = self.get_object()
        body = SignatureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            services.contract_sign(
                contract=contract,
                user=request.user,
                signature_date=body.validated_data["signature_date"],
                signatory=body.validated_data["signatory"],
            )
        )

    @extend_schema(request=None, responses={201: ContractSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Open a new draft revision of a signed contract; returns the draft."""
        draft = services.contract_amend(contract=self.get_object(), user=request.user)
        return self._respond(draft, status.HTTP_201_CREATED)

    @extend_schema(request=TerminationSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        contract = self.get_object()
        body = TerminationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._respond(
            services.contract_terminate(
                contract=contract, user=request.user, reason=body.validated_data["reason"]
            )
        )


class CommitmentViewSet(_NoDeleteViewSet, mixins.DestroyModelMixin):
    """SLA lines, each with its live alignment; engineering signs them off."""

    serializer_class = CommitmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CommitmentFilterSet

    def get_queryset(self):
        lines = Commitment.objects.filter(
            contract__in=visible_contracts(self.request.user)
        ).select_related("indicator", "credit_schedule")
        if self.action in ("list", "retrieve"):
            # Each line says whether its schedule contradicts its target, and legal's word on it.
            lines = lines.prefetch_related(
                "credit_schedule__tiers", "schedule_confirmations__confirmed_by"
            )
        return lines

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            # One batch per page: the alignment of every row from two queries in all.
            rows = list(args[0])
            kwargs["context"] = {
                **self.get_serializer_context(),
                "alignment_batch": AlignmentBatch([row.indicator for row in rows]),
            }
            args = (rows, *args[1:])
        return super().get_serializer(*args, **kwargs)

    def perform_destroy(self, line):
        services.commitment_delete(commitment=line, user=self.request.user)

    @extend_schema(responses=AlignmentSerializer)
    @action(detail=True, methods=["get"])
    def alignment(self, request, pk=None):
        line = self.get_object()
        return Response(AlignmentSerializer(services.commitment_alignment(line)).data)

    @extend_schema(methods=["get"], request=None, responses=SignOffSerializer(many=True))
    @extend_schema(
        methods=["post"], request=SignOffRequestSerializer, responses={201: SignOffSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def signoffs(self, request, pk=None):
        """Engineering decisions on this line, newest first; POST records a new one."""
        line = self.get_object()
        if request.method == "GET":
            return Response(SignOffSerializer(line.signoffs.all(), many=True).data)
        body = SignOffRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        signoff = services.commitment_signoff(
            commitment=line,
            user=request.user,
            decision=body.validated_data["decision"],
            comment=body.validated_data["comment"],
        )
        return Response(SignOffSerializer(signoff).data, status=status.HTTP_201_CREATED)


class WaiverFilterSet(django_filters.FilterSet):
    commitment = IdFilter(field_name="commitment_id", label="Commitment id")

    class Meta:
        model = Waiver
        fields = ["commitment"]


class WaiverViewSet(
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Leadership's exceptions for risky lines. Granted, never edited: grant a new one instead."""

    serializer_class = WaiverSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = [DjangoFilterBackend]
    filterset_class = WaiverFilterSet

    def get_queryset(self):
        return Waiver.objects.filter(commitment__contract__in=visible_contracts(self.request.user))
