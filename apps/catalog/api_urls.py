"""Catalog routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("teams", api.TeamViewSet, basename="team")
router.register("services", api.ServiceViewSet, basename="service")
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("indicators", api.IndicatorViewSet, basename="indicator")

urlpatterns = router.urls
