"""REST endpoints of the catalog. Writes need the model permissions of the roles."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from apps.core.api import HistoryMixin, ModelPermissions

from .models import Customer, Indicator, Service, Team
from .ownership import TeamOwnedWrites
from .policies import check_change_customer
from .serializers import (
    CustomerSerializer,
    IndicatorSerializer,
    ServiceSerializer,
    TeamSerializer,
)


class CatalogViewSet(
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and edit; no deletion, as catalog rows are referenced by contracts."""

    permission_classes = [ModelPermissions]


class TeamViewSet(CatalogViewSet):
    queryset = Team.objects.prefetch_related("members")
    serializer_class = TeamSerializer


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("team", int)]))
class ServiceViewSet(TeamOwnedWrites, CatalogViewSet):
    team_path = "team"
    queryset = Service.objects.select_related("buffer_policy")
    serializer_class = ServiceSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        team = self.request.query_params.get("team")
        return queryset.filter(team_id=team) if team and team.isdigit() else queryset


class CustomerViewSet(CatalogViewSet):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer

    def perform_update(self, serializer):
        check_change_customer(self.request.user, serializer.instance)
        super().perform_update(serializer)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("service", int)]))
class IndicatorViewSet(TeamOwnedWrites, CatalogViewSet):
    team_path = "service__team"
    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        service = self.request.query_params.get("service")
        return queryset.filter(service_id=service) if service and service.isdigit() else queryset
