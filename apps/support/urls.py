from django.urls import path

from . import board_views, breach_views, views
from .reports import views as report_views

app_name = "support"
urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("breaches/", breach_views.breaches_page, name="breaches"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/pdf/", report_views.report_pdf, name="report-pdf"),
    path("reports/<int:pk>/csv/", report_views.report_csv, name="report-csv"),
    path("reports/<int:pk>/regenerate/", report_views.report_regenerate, name="report-regenerate"),
    path("board/", board_views.board_page, name="board"),
]
