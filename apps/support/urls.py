from django.urls import path

from . import board_views, breach_views, views

app_name = "support"
urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("metrics/", views.metrics_page, name="metrics"),
    path("breaches/", breach_views.breaches_page, name="breaches"),
    path("board/", board_views.board_page, name="board"),
]
