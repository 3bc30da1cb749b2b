"""Every /api/v1/ route: each app contributes its own ``api_urls`` module."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("apps.catalog.api_urls")),
    path("", include("apps.slos.api_urls")),
    path("", include("apps.contracts.api_urls")),
    path("", include("apps.measurements.api_urls")),
    path("", include("apps.reviews.api")),
]
