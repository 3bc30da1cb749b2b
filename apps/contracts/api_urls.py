"""Credit schedule, contract, commitment and waiver routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, api_backtest
from .api_documents import ContractDocumentViewSet

router = SimpleRouter()
router.register("credit-schedules", api.CreditScheduleViewSet, basename="creditschedule")
router.register("contracts", api.ContractViewSet, basename="contract")
router.register("commitments", api.CommitmentViewSet, basename="commitment")
router.register("waivers", api.WaiverViewSet, basename="waiver")

# Under a contract: its documents, listed and attached, and each one downloaded.
documents = [
    path(
        "contracts/<int:id>/documents/",
        ContractDocumentViewSet.as_view({"get": "list", "post": "create"}),
        name="contract-document-list",
    ),
    path(
        "contracts/<int:id>/documents/<int:doc_id>/",
        ContractDocumentViewSet.as_view({"get": "retrieve"}),
        name="contract-document-detail",
    ),
]

urlpatterns = [*router.urls, *documents, *api_backtest.urlpatterns]
