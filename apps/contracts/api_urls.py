"""Credit schedule, contract, commitment and waiver routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import api, api_backtest

router = SimpleRouter()
router.register("credit-schedules", api.CreditScheduleViewSet, basename="creditschedule")
router.register("contracts", api.ContractViewSet, basename="contract")
router.register("commitments", api.CommitmentViewSet, basename="commitment")
router.register("waivers", api.WaiverViewSet, basename="waiver")

urlpatterns = [*router.urls, *api_backtest.urlpatterns]
