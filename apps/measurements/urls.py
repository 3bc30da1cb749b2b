from django.urls import path

from . import views

app_name = "measurements"
urlpatterns = [
    path("slos/<int:pk>/", views.slo_detail, name="slo-detail"),
    path("measurements/backtest-preview/", views.backtest_preview, name="backtest-preview"),
]
