from django.urls import path

from . import breach_views, views

app_name = "support"
urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("breaches/", breach_views.breaches_page, name="breaches"),
]
