"""Support desk routes under /api/v1/: tickets, their events and clocks, events in bulk.

Reads need ``support.view_ticket``; creating tickets ``support.add_ticket``; posting events
``support.add_ticketevent`` (the Support role, and machine users of a helpdesk given it).
"""

import django_filters
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ModelPermissions
from apps.core.filters import IdFilter, InstantFilter

from . import services
from .choices import SupportPriority, TicketStatus
from .models import Ticket
from .selectors import ticket_clocks_at, ticket_escalations
from .serializers import (
    BulkTicketEventSerializer,
    ClockSerializer,
    EscalationSerializer,
    IngestResultSerializer,
    TicketEventInSerializer,
    TicketSerializer,
    clock_data,
)


class MayPostEvents(permissions.BasePermission):
    message = "You may not post ticket events (needs support.add_ticketevent)."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("support.add_ticketevent")


class TicketFilterSet(django_filters.FilterSet):
    """The ticket list's filters; a value that cannot be one is a 400 naming the filter."""

    service = IdFilter(field_name="service_id", label="Service id")
    customer = IdFilter(field_name="customer_id", label="Customer id")
    contract = IdFilter(field_name="contract_id", label="Contract id")
    priority = django_filters.ChoiceFilter(choices=SupportPriority.choices)
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)
    source = django_filters.CharFilter(max_length=40)
    external_id = django_filters.CharFilter(max_length=100)
    created_after = InstantFilter(field_name="created_at", lookup_expr="gte")
    created_before = InstantFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields = ["service", "customer", "contract", "priority", "status", "source"]


class TicketViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets: list (filtered), read, create. Changes arrive as events."""

    permission_classes = [ModelPermissions]
    queryset = Ticket.objects.order_by("-created_at", "-id")
    serializer_class = TicketSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilterSet

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.ticket_create(
            source=data.pop("source"),
            external_id=data.pop("external_id"),
            service=data.pop("service"),
            priority=data.pop("priority"),
            created_at=data.pop("created_at"),
            status=data.pop("status"),
            customer=data.pop("customer", None),
            contract=data.pop("contract", None),
            subject=data.pop("subject", ""),
            assignee=data.pop("assignee", ""),
            event_id=data.pop("event_id", ""),
        )

    @extend_schema(request=TicketEventInSerializer, responses=ClockSerializer(many=True))
    @action(detail=True, methods=["post"], permission_classes=[MayPostEvents])
    def events(self, request, pk=None):
        """Append an event; answers the ticket's clocks (200 when it was a duplicate)."""
        ticket = get_object_or_404(Ticket, pk=pk)
        body = TicketEventInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.ticket_event_add(ticket=ticket, **body.validated_data)
        data = clock_data(ticket_clocks_at(ticket=ticket, at=timezone.now()))
        return Response(data, status=status.HTTP_200_OK if result.duplicate else 201)

    @extend_schema(
        parameters=[OpenApiParameter("at", str, description="ISO 8601; default now")],
        responses=ClockSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def clocks(self, request, pk=None):
        """Every clock of the ticket as of ``at``, worked out from its whole log."""
        ticket = self.get_object()
        at = timezone.now()
        if request.query_params.get("at"):
            try:
                at = serializers.DateTimeField().to_internal_value(request.query_params["at"])
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"at": error.detail}) from error
        return Response(clock_data(ticket_clocks_at(ticket=ticket, at=at)))

    @extend_schema(responses=EscalationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def escalations(self, request, pk=None):
        """The levels fired on the ticket's clocks: when, what they did, where they went."""
        ticket = self.get_object()
        return Response(EscalationSerializer(ticket_escalations(ticket=ticket), many=True).data)


class TicketEventsView(APIView):
    """``POST /ticket-events/``: events of many tickets, all or nothing."""

    permission_classes = [MayPostEvents]

    @extend_schema(request=BulkTicketEventSerializer(many=True), responses=IngestResultSerializer)
    def post(self, request):
        try:
            result = services.ticket_events_ingest(events=request.data)
        except services.EventsInvalid as error:
            return Response(error.as_response(), status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "duplicates": result.duplicates})
