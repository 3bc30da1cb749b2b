"""REST endpoints of SLOs, the global buffer policy and the alignment preview."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.response import Response

from apps.catalog.ownership import TeamOwnedWrites
from apps.core.api import HistoryEntrySerializer, HistoryMixin, ModelPermissions
from apps.core.filters import IdFilter
from apps.core.history import history_entries

from . import services
from .choices import SloStatus
from .models import SLO, BufferPolicy
from .selectors import evaluate_alignment, global_policy
from .serializers import (
    AlignmentQuerySerializer,
    AlignmentSerializer,
    BufferPolicySerializer,
    SLOSerializer,
)

# What history says of a change made through the API (a client gives no reason of its own).
API_CREATE_REASON = "Created through the API."
API_CHANGE_REASON = "Changed through the API."


class SLOFilterSet(django_filters.FilterSet):
    """``?indicator=`` and ``?status=``; a value that is not one is a 400 naming the filter."""

    indicator = IdFilter(field_name="indicator_id", label="Indicator id")
    status = django_filters.ChoiceFilter(choices=SloStatus.choices)

    class Meta:
        model = SLO
        fields = ["indicator", "status"]


class SLOViewSet(
    TeamOwnedWrites,
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """SLOs; engineering edits them. Retire an SLO (status) rather than delete it."""

    queryset = SLO.objects.all()
    serializer_class = SLOSerializer
    permission_classes = [ModelPermissions]
    team_path = "indicator__service__team"
    filter_backends = [DjangoFilterBackend]
    filterset_class = SLOFilterSet

    def perform_create(self, serializer):
        self.check_team_create(serializer)
        serializer.instance = services.slo_create(
            user=self.request.user, reason=API_CREATE_REASON, **serializer.validated_data
        )

    def perform_update(self, serializer):
        self.check_team_update(serializer)
        serializer.instance = services.slo_update(
            slo=serializer.instance,
            user=self.request.user,
            reason=API_CHANGE_REASON,
            **serializer.validated_data,
        )


class BufferPolicyView(generics.RetrieveUpdateAPIView):
    """The global buffer policy (services may override it; see a service's buffer_policy)."""

    queryset = BufferPolicy.objects.all()
    serializer_class = BufferPolicySerializer
    permission_classes = [ModelPermissions]

    def get_object(self):
        policy = global_policy()
        self.check_object_permissions(self.request, policy)
        return policy

    def perform_update(self, serializer):
        # It moves every team's alignment at once: administrators only, as in the admin.
        if not self.request.user.is_superuser:
            raise PermissionDenied("Only an administrator changes the global buffer policy.")
        serializer.instance = services.buffer_policy_update(
            policy=serializer.instance,
            user=self.request.user,
            reason=API_CHANGE_REASON,
            **serializer.validated_data,
        )


class BufferPolicyHistoryView(generics.GenericAPIView):
    """Changes to the global buffer policy, newest first."""

    queryset = BufferPolicy.objects.all()
    permission_classes = [ModelPermissions]
    pagination_class = None

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    def get(self, request):
        return Response(HistoryEntrySerializer(history_entries(global_policy()), many=True).data)


class AlignmentPreviewView(generics.GenericAPIView):
    """The verdict a target would get on an indicator, before anything is saved."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AlignmentSerializer

    @extend_schema(parameters=[AlignmentQuerySerializer], responses={200: AlignmentSerializer})
    def get(self, request):
        if not request.user.has_perm("catalog.view_indicator"):
            self.permission_denied(request, "You may not read indicators.")
        query = AlignmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = evaluate_alignment(
            query.validated_data["indicator"], query.validated_data["target"]
        )
        return Response(AlignmentSerializer(result).data)
