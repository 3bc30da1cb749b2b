"""Every /api/v1/ route: each app contributes its own ``api_urls`` module."""

from django.urls import include, path

from .auth_api import AuthTokenView

urlpatterns = [
    path("auth/token/", AuthTokenView.as_view(), name="api-token"),
    path("", include("apps.calendars.api_urls")),
    path("", include("apps.catalog.api_urls")),
    path("", include("apps.notifications.api")),
    path("", include("apps.slos.api_urls")),
    path("", include("apps.contracts.api_urls")),
    path("", include("apps.measurements.api_urls")),
    path("", include("apps.reviews.api")),
    path("", include("apps.support.api_urls")),
    path("", include("apps.support.metrics_api")),
    path("", include("apps.support.webhooks")),
    path("", include("apps.support.helpdesk_api")),
    path("", include("apps.support.escalation_api")),
    path("", include("apps.support.breach_api")),
    path("", include("apps.support.reports.api")),
]
