"""Calendar routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("calendars", api.CalendarViewSet, basename="calendar")

urlpatterns = router.urls
