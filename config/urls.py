from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contracts:list", permanent=False)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("contracts/", include("apps.contracts.urls")),
    path("reviews/", include("apps.reviews.urls")),
    path("dashboards/", include("apps.dashboards.urls")),
    path("", include("apps.measurements.urls")),
    path("api/", include("config.api_urls")),
]
