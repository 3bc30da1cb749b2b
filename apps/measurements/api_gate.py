"""GET /api/v1/services/{slug}/release-gate/: may this service deploy now?"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Service

from .gate import release_gate

ATTAINMENT_QUANTUM = Decimal("0.0001")


def attainment_string(value: Decimal | None) -> str | None:
    # Rounded down, as safest_target is: a shown 99.9 % never hides a 99.89996 % breach.
    return None if value is None else str(value.quantize(ATTAINMENT_QUANTUM, rounding=ROUND_FLOOR))


class GateExhaustedSerializer(serializers.Serializer):
    slo = serializers.IntegerField()
    indicator = serializers.IntegerField()
    target = serializers.DecimalField(max_digits=7, decimal_places=4)
    window = serializers.CharField()
    attainment = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    budget_remaining = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)


class GateExceptionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reason = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class ReleaseGateSerializer(serializers.Serializer):
    service = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    since = serializers.DateTimeField(
        allow_null=True, help_text="About when the budget ran out (start of that sample bucket)."
    )
    exception = GateExceptionSerializer(allow_null=True)
    exhausted = GateExhaustedSerializer(many=True)


def _budget(remaining: Decimal) -> str:
    return str(remaining.quantize(ATTAINMENT_QUANTUM) if remaining.is_finite() else remaining)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class ReleaseGateView(APIView):
    """May this service deploy now? Closed while an active SLO's error budget is spent."""

    @extend_schema(responses={200: ReleaseGateSerializer})
    def get(self, request, slug):
        service = get_object_or_404(Service, slug=slug)
        decision = release_gate(service)
        exception = decision.exception
        return Response(
            {
                "service": service.slug,
                "allowed": decision.allowed,
                "reasons": decision.reasons,
                "since": _iso(decision.since),
                "exception": None
                if exception is None
                else {
                    "kind": exception.kind,
                    "reason": exception.reason,
                    "created_by": exception.created_by.get_username(),
                    "created_at": _iso(exception.created_at),
                    "expires_at": _iso(exception.expires_at),
                },
                "exhausted": [
                    {
                        "slo": item.slo.pk,
                        "indicator": item.slo.indicator_id,
                        "target": str(item.slo.target),
                        "window": item.slo.window,
                        "attainment": attainment_string(item.budget.attainment),
                        "budget_remaining": _budget(item.budget.remaining),
                        "since": _iso(item.since),
                    }
                    for item in decision.exhausted
                ],
            }
        )


urlpatterns = [
    path(
        "services/<slug:slug>/release-gate/", ReleaseGateView.as_view(), name="service-release-gate"
    ),
]
