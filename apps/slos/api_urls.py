"""SLO, buffer policy and alignment routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("slos", api.SLOViewSet, basename="slo")

urlpatterns = [
    path("buffer-policy/", api.BufferPolicyView.as_view(), name="buffer-policy"),
    path(
        "buffer-policy/history/",
        api.BufferPolicyHistoryView.as_view(),
        name="buffer-policy-history",
    ),
    path("alignment/", api.AlignmentPreviewView.as_view(), name="alignment-preview"),
    *router.urls,
]
