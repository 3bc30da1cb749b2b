"""Support desk routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tickets", api.TicketViewSet, basename="ticket")

urlpatterns = [
    *router.urls,
    path("ticket-events/", api.TicketEventsView.as_view(), name="ticket-events"),
]
