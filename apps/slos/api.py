"""REST endpoints of SLOs, the global buffer policy and the alignment preview."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.response import Response

from apps.catalog.ownership import TeamOwnedWrites
from apps.core.api import HistoryEntrySerializer, HistoryMixin, ModelPermissions
from apps.core.history import history_entries

from .choices import SloStatus
from .models import SLO, BufferPolicy
from .selectors import evaluate_alignment, global_policy
from .serializers import (
    AlignmentQuerySerializer,
    AlignmentSerializer,
    BufferPolicySerializer,
    SLOSerializer,
)


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

    @extend_schema(
        parameters=[
            OpenApiParameter("indicator", int, description="Only SLOs of this indicator."),
            OpenApiParameter("status", str, enum=SloStatus.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        if (indicator := params.get("indicator", "")).isdigit():
            queryset = queryset.filter(indicator_id=indicator)
        if params.get("status") in SloStatus.values:
            queryset = queryset.filter(status=params["status"])
        return queryset


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
        super().perform_update(serializer)


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
