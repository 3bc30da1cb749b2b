"""``GET /api/v1/support-metrics/``: the desk's figures per priority (see ``metrics``)."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .access import check_metrics
from .metrics import MetricsFilter, support_metrics


class MetricsQuerySerializer(serializers.Serializer):
    service = serializers.IntegerField(required=False, min_value=1)
    customer = serializers.IntegerField(required=False, min_value=1)
    contract = serializers.IntegerField(required=False, min_value=1)
    start = serializers.DateField(required=False, help_text="First day counted (YYYY-MM-DD, UTC).")
    end = serializers.DateField(required=False, help_text="Last day counted (YYYY-MM-DD, UTC).")

    def validate(self, data):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return data


PriorityFigures = inline_serializer(
    "SupportPriorityFigures",
    {
        "tickets": serializers.IntegerField(),
        "responded_within_pct": serializers.FloatField(allow_null=True),
        "resolved_within_pct": serializers.FloatField(allow_null=True),
        "avg_response_seconds": serializers.IntegerField(allow_null=True),
        "committed_response_seconds": serializers.IntegerField(allow_null=True),
        "mttr_seconds": serializers.IntegerField(allow_null=True),
        "escalations": serializers.IntegerField(),
        "breaches_by_cause": serializers.DictField(child=serializers.IntegerField()),
    },
)


def metrics_filter(params) -> MetricsFilter:
    """The query string as a MetricsFilter; ValidationError (400, per field) when malformed."""
    query = MetricsQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    return MetricsFilter(**query.validated_data)


class SupportMetricsView(APIView):
    """Tickets, % responded and resolved within target, response time against the target and
    MTTR per priority, for a service, customer, contract and period (all optional)."""

    @extend_schema(
        parameters=[MetricsQuerySerializer],
        responses=inline_serializer(
            "SupportMetrics", {"by_priority": serializers.DictField(child=PriorityFigures)}
        ),
    )
    def get(self, request):
        check_metrics(request.user)
        return Response({"by_priority": support_metrics(metrics_filter(request.query_params))})


urlpatterns = [path("support-metrics/", SupportMetricsView.as_view(), name="support-metrics")]
