"""POST /api/v1/sli-samples/, GET /api/v1/slos/{id}/status/ and GET /api/v1/budget-calculator/.

(GET /api/v1/credit-schedules/{id}/evaluate/ is an action of the credit schedule viewset.)

Ingestion reads the body itself, bounded: DRF's JSON parser would read any size (Django's
DATA_UPLOAD_MAX_MEMORY_SIZE only guards ``request.body`` and forms). The limit is the setting
SLI_SAMPLES_MAX_BODY_BYTES (default 20 MiB, about 200,000 samples); a larger body is refused
with 413 from its Content-Length before a byte of it is read.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.parsers import load_json, read_bounded
from apps.slos.models import SLO

from . import selectors, services
from .serializers import (
    BudgetQuerySerializer,
    BudgetSerializer,
    SampleSerializer,
    SloStatusQuerySerializer,
    SloStatusSerializer,
    UpsertResultSerializer,
    budget_data,
    status_data,
)

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024


def max_body_bytes() -> int:
    return int(getattr(settings, "SLI_SAMPLES_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"

    def __init__(self, limit: int):
        super().__init__(
            f"The body is larger than {limit} bytes: send the samples in several requests."
        )


class BoundedJSONParser(BaseParser):
    """JSON, read up to the limit and no further, bounded in depth; NaN and Infinity reach row
    validation."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        meta = parser_context["request"].META
        body = read_bounded(stream, meta, max_body_bytes(), too_large=BodyTooLarge)
        # parse_constant keeps NaN/Infinity as floats so the row naming them is reported.
        return load_json(body, parse_constant=float)


class SampleIngestView(APIView):
    """Upsert SLI samples on (indicator, start); every row is checked before anything is written.

    Needs measurements.add_slisample, and the indicator's service must be owned by one of the
    user's teams (or the user holds measurements.change_slisample, or is a superuser).
    """

    parser_classes = [BoundedJSONParser]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=SampleSerializer(many=True),
        responses={200: UpsertResultSerializer},
    )
    def post(self, request):
        try:
            result = services.samples_ingest(user=request.user, items=request.data)
        except services.SamplesInvalid as error:
            return Response(error.as_response(), status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "updated": result.updated})


class SloStatusView(APIView):
    """Attainment and error budget over the SLO window, burn rates and multiwindow alerts."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[SloStatusQuerySerializer], responses=SloStatusSerializer)
    def get(self, request, pk: int):
        if not request.user.has_perm("slos.view_slo"):
            raise PermissionDenied("You may not view SLOs.")
        query = SloStatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slo = get_object_or_404(SLO, pk=pk)
        at = query.validated_data.get("at") or timezone.now()
        return Response(status_data(slo, selectors.slo_status(slo, at)))


class BudgetCalculatorView(APIView):
    """The error budget of a target and the downtime it allows over a window."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[BudgetQuerySerializer], responses=BudgetSerializer)
    def get(self, request):
        query = BudgetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(budget_data(query.validated_data))


urlpatterns = [
    path("sli-samples/", SampleIngestView.as_view(), name="sli-samples"),
    path("slos/<int:pk>/status/", SloStatusView.as_view(), name="slo-status"),
    path("budget-calculator/", BudgetCalculatorView.as_view(), name="budget-calculator"),
]
