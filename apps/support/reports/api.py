"""``/api/v1/support-reports/``: the reports requested (newest first), POST to request one;
``/api/v1/support-reports/{id}/`` one report with its content once ready. Who may: the support
metrics' rule (``access.check_metrics``), as on the pages."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Customer, Service
from apps.core.api import RefuseUnknownFields

from .. import access
from ..report_models import ReportKind, ReportScope, SupportReport
from .services import support_report_request

LIST_SIZE = 100


class SupportReportSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    scope = serializers.ChoiceField(choices=ReportScope.choices)
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )
    period_start = serializers.DateField(help_text="Any day of the period to report on.")

    class Meta:
        model = SupportReport
        fields = [
            "id",
            "kind",
            "scope",
            "service",
            "customer",
            "period_start",
            "period_end",
            "status",
            "error",
            "requested_at",
            "generated_at",
        ]
        read_only_fields = ["period_end", "status", "error", "requested_at", "generated_at"]


class SupportReportDetailSerializer(SupportReportSerializer):
    data = serializers.JSONField(read_only=True)

    class Meta(SupportReportSerializer.Meta):
        fields = [*SupportReportSerializer.Meta.fields, "data"]


class SupportReportList(APIView):
    @extend_schema(responses=SupportReportSerializer(many=True))
    def get(self, request):
        access.check_metrics(request.user)
        reports = SupportReport.objects.defer("data")[:LIST_SIZE]
        return Response(SupportReportSerializer(reports, many=True).data)

    @extend_schema(request=SupportReportSerializer, responses={201: SupportReportSerializer})
    def post(self, request):
        access.check_metrics(request.user)
        body = SupportReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = support_report_request(**body.validated_data, user=request.user)
        return Response(SupportReportSerializer(report).data, status=status.HTTP_201_CREATED)


class SupportReportDetail(APIView):
    @extend_schema(responses=SupportReportDetailSerializer)
    def get(self, request, pk: int):
        access.check_metrics(request.user)
        report = get_object_or_404(SupportReport, pk=pk)
        return Response(SupportReportDetailSerializer(report).data)


urlpatterns = [
    path("support-reports/", SupportReportList.as_view(), name="support-report-list"),
    path("support-reports/<int:pk>/", SupportReportDetail.as_view(), name="support-report-detail"),
]
