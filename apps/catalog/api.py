"""REST endpoints of the catalog. Writes need the model permissions of the roles.

List filters are FilterSets: a value that is not a number is a 400 naming the filter.
"""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets

from apps.core.api import HistoryMixin, ModelPermissions
from apps.core.filters import IdFilter

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


class ServiceFilterSet(django_filters.FilterSet):
    team = IdFilter(field_name="team_id", label="Team id")

    class Meta:
        model = Service
        fields = ["team"]


class ServiceViewSet(TeamOwnedWrites, CatalogViewSet):
    team_path = "team"
    queryset = Service.objects.select_related("buffer_policy")
    serializer_class = ServiceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ServiceFilterSet


class CustomerViewSet(CatalogViewSet):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer

    def perform_update(self, serializer):
        check_change_customer(self.request.user, serializer.instance)
        super().perform_update(serializer)


class IndicatorFilterSet(django_filters.FilterSet):
    service = IdFilter(field_name="service_id", label="Service id")

    class Meta:
        model = Indicator
        fields = ["service"]


class IndicatorViewSet(TeamOwnedWrites, CatalogViewSet):
    team_path = "service__team"
    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = IndicatorFilterSet
