from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from apps.dashboards import landing, slo_page


class FaviconView(RedirectView):
    """/favicon.ico, which browsers and the admin's pages ask for without a <link rel="icon">."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        # Resolved per request: the hashed name exists only once static files are collected.
        return static("favicon.svg")


urlpatterns = [
    path("", landing.home, name="home"),
    path("favicon.ico", FaviconView.as_view()),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("contracts/", include("apps.contracts.urls")),
    path("reviews/", include("apps.reviews.urls")),
    path("dashboards/", include("apps.dashboards.urls")),
    path("support/", include("apps.support.urls")),
    path("slos/<int:pk>/", slo_page.slo_detail, name="slo-detail"),
    path("api/", include("config.api_urls")),
]

handler400 = "apps.core.error_pages.bad_request"
handler404 = "apps.core.error_pages.page_not_found"
