"""/api/v1/review-cycles/ and /api/v1/review-packets/ (paths and field names are a contract).

Every role reads; opening a cycle and regenerating a packet need leadership (or superuser);
each role signs off for itself. The services decide, so the API, pages and admin agree.
"""

import django_filters
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from apps.core.api import RefuseUnknownFields
from apps.core.downloads import attachment
from apps.core.errors import TransitionNotAllowed
from apps.core.filters import IdFilter
from apps.core.schema import ErrorSerializer

from . import access, exports, selectors, services
from .choices import SignOffRole
from .models import ReviewCycle, ReviewPacket, ReviewSignOff


class CanReadReviews(permissions.BasePermission):
    message = "You may not read review cycles and packets."

    def has_permission(self, request, view):
        return request.user.has_perm("reviews.view_reviewpacket")


class ReviewCycleSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ReviewCycle
        fields = [
            "id",
            "year",
            "period_start",
            "period_end",
            "status",
            "opened_by",
            "opened_at",
            "completed_at",
            "note",
            "progress",
        ]
        read_only_fields = fields

    def get_progress(self, cycle) -> dict:
        return {
            "ready": cycle.packets_ready,
            "failed": cycle.packets_failed,
            "total": cycle.packets_total,
        }


class CycleOpenSerializer(RefuseUnknownFields, serializers.Serializer):
    """The body of POST /review-cycles/: the year to review (the service checks its range)."""

    year = serializers.IntegerField()


class ReviewPacketSerializer(serializers.ModelSerializer):
    is_current = serializers.BooleanField(read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = ReviewPacket
        fields = [
            "id",
            "cycle",
            "scope",
            "scope_id",
            "scope_label",
            "version",
            "status",
            "is_current",
            "content_hash",
            "generated_at",
            "error",
            "data",
        ]
        read_only_fields = fields


class ReviewSignOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewSignOff
        fields = ["id", "packet", "role", "user", "comment", "signed_at"]
        read_only_fields = ["id", "packet", "user", "signed_at"]


class SignOffInputSerializer(RefuseUnknownFields, serializers.Serializer):
    role = serializers.ChoiceField(choices=SignOffRole.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class PacketFilterSet(django_filters.FilterSet):
    """``?cycle=<id>``; a value that is not a number is a 400 naming the filter."""

    cycle = IdFilter(field_name="cycle_id", label="Review cycle id")

    class Meta:
        model = ReviewPacket
        fields = ["cycle"]


class ReviewCycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Review cycles with the progress of their packets; POST {year} opens one."""

    permission_classes = [permissions.IsAuthenticated, CanReadReviews]
    serializer_class = ReviewCycleSerializer

    def get_queryset(self):
        return selectors.cycles_with_progress().order_by("-year")

    @extend_schema(request=CycleOpenSerializer, responses={201: ReviewCycleSerializer})
    def create(self, request):
        given = CycleOpenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        cycle = services.review_cycle_open(year=given.validated_data["year"], user=request.user)
        cycle = self.get_queryset().get(pk=cycle.pk)
        return Response(self.get_serializer(cycle).data, status=status.HTTP_201_CREATED)


class ReviewPacketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Packets (every version; ``is_current`` marks the latest), filtered by ``?cycle=``."""

    permission_classes = [permissions.IsAuthenticated, CanReadReviews]
    serializer_class = ReviewPacketSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PacketFilterSet

    def get_queryset(self):
        queryset = access.readable_packets(
            self.request.user,
            selectors.packets_with_currency(ReviewPacket.objects.select_related("cycle")),
        )
        return queryset.order_by("cycle_id", "scope", "scope_id", "version")

    def _ready_packet(self) -> ReviewPacket:
        packet = self.get_object()
        if not packet.is_ready:
            raise TransitionNotAllowed(f"The packet is {packet.get_status_display().lower()}.")
        return packet

    @extend_schema(responses={(200, "application/pdf"): bytes, 409: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        packet = self._ready_packet()
        content = exports.packet_pdf(packet, list(packet.signoffs.select_related("user")))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{exports.export_filename(packet, "pdf")}"'
        )
        return response

    @extend_schema(responses={(200, "text/csv"): str, 409: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        packet = self._ready_packet()
        return attachment(
            exports.packet_csv(packet),
            "text/csv; charset=utf-8",
            exports.export_filename(packet, "csv"),
        )

    @extend_schema(methods=["GET"], responses=ReviewSignOffSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=SignOffInputSerializer, responses={201: ReviewSignOffSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def signoffs(self, request, pk=None):
        packet = self.get_object()
        if request.method == "GET":
            rows = packet.signoffs.all()
            return Response(ReviewSignOffSerializer(rows, many=True).data)
        given = SignOffInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        signoff = services.packet_signoff(packet=packet, user=request.user, **given.validated_data)
        return Response(ReviewSignOffSerializer(signoff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: ReviewPacketSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        new = services.packet_regenerate(packet=self.get_object(), user=request.user)
        new = self.get_queryset().get(pk=new.pk)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("review-cycles", ReviewCycleViewSet, basename="review-cycle")
router.register("review-packets", ReviewPacketViewSet, basename="review-packet")

urlpatterns = router.urls
