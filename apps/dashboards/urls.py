from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("contracts/", views.contract_list, name="contracts"),
    path("credits/", views.credit_list, name="credits"),
    path("slos/", views.slo_list, name="slos"),
    path("browse/", views.browse, name="index"),
    path("services/<slug:slug>/", views.service_dashboard, name="service"),
    path("customers/<int:pk>/", views.customer_dashboard, name="customer"),
]
