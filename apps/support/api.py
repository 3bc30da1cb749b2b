"""Support desk routes under /api/v1/: tickets, their events and clocks, events in bulk.

Reads need ``support.view_ticket``; creating tickets ``support.add_ticket``; posting events
``support.add_ticketevent`` (the Support role, and machine users of a helpdesk given it).
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ModelPermissions

from . import services
from .models import Ticket
from .selectors import ticket_clocks_at
from .serializers import (
    BulkTicketEventSerializer,
    ClockSerializer,
    IngestResultSerializer,
    TicketEventInSerializer,
    TicketSerializer,
    clock_data,
)

FILTERS = ("service", "customer", "contract", "priority", "status", "source", "external_id")


class MayPostEvents(permissions.BasePermission):
    message = "You may not post ticket events (needs support.add_ticketevent)."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("support.add_ticketevent")


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter(name, str) for name in FILTERS]
        + [OpenApiParameter("created_after", str), OpenApiParameter("created_before", str)]
    )
)
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

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        for name in FILTERS:
            if params.get(name):
                queryset = queryset.filter(**{name: params[name]})
        for name, lookup in (("created_after", "gte"), ("created_before", "lt")):
            if params.get(name):
                moment = serializers.DateTimeField().to_internal_value(params[name])
                queryset = queryset.filter(**{f"created_at__{lookup}": moment})
        return queryset

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
    @action(detail=True, methods=["get"])
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
