from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle-list"),
    path("cycles/open/", views.cycle_open, name="cycle-open"),
    path("packets/<int:pk>/", views.packet_detail, name="packet-detail"),
    path("packets/<int:pk>/signoff/", views.packet_signoff, name="packet-signoff"),
    path("packets/<int:pk>/pdf/", views.packet_pdf, name="packet-pdf"),
    path("packets/<int:pk>/csv/", views.packet_csv, name="packet-csv"),
]
