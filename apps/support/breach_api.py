"""Breach causes: ``/api/v1/breach-causes/`` (the admin's list), ``/api/v1/breach-reviews/``
(a cause given for a breached clock) and ``/api/v1/breaches/unanalysed/`` (oldest first)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ModelPermissions, RefuseUnknownFields

from . import services
from .escalation_models import BreachCause, BreachReview
from .models import TicketClock
from .selectors import breaches_unanalysed


class BreachCauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = BreachCause
        fields = ["id", "name", "active"]


class BreachReviewSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    cause = serializers.PrimaryKeyRelatedField(queryset=BreachCause.objects.all())
    clock = serializers.PrimaryKeyRelatedField(queryset=TicketClock.objects.all())
    note = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")

    class Meta:
        model = BreachReview
        fields = ["id", "clock", "cause", "note", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_by", "recorded_at"]


class UnanalysedBreachSerializer(serializers.Serializer):
    clock = serializers.IntegerField(source="pk")
    ticket = serializers.IntegerField(source="ticket_id")
    external_id = serializers.CharField(source="ticket.external_id")
    service = serializers.CharField(source="ticket.service.slug")
    metric = serializers.CharField()
    priority = serializers.CharField()
    due_at = serializers.DateTimeField()


class BreachCauseList(generics.ListAPIView):
    permission_classes = [ModelPermissions]
    queryset = BreachCause.objects.filter(active=True).order_by("name")
    serializer_class = BreachCauseSerializer
    pagination_class = None


class BreachReviewList(generics.ListCreateAPIView):
    """Causes given so far (newest first); POST gives one for a breached clock."""

    permission_classes = [ModelPermissions]
    queryset = BreachReview.objects.select_related("cause").order_by("-recorded_at", "-id")
    serializer_class = BreachReviewSerializer

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.breach_review_record(
            clock=body.validated_data["clock"],
            cause=body.validated_data["cause"],
            note=body.validated_data.get("note", ""),
            user=request.user,
        )
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED)


class UnanalysedBreaches(APIView):
    """Breached clocks without a cause yet, oldest first."""

    permission_classes = [ModelPermissions]
    queryset = TicketClock.objects.none()

    @extend_schema(responses=UnanalysedBreachSerializer(many=True))
    def get(self, request):
        rows = breaches_unanalysed()[:500]
        return Response(UnanalysedBreachSerializer(rows, many=True).data)


urlpatterns = [
    path("breach-causes/", BreachCauseList.as_view(), name="breach-causes"),
    path("breach-reviews/", BreachReviewList.as_view(), name="breach-reviews"),
    path("breaches/unanalysed/", UnanalysedBreaches.as_view(), name="breaches-unanalysed"),
]
