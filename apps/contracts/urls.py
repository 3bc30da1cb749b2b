from django.urls import path

from . import backtest_views, decisions, views
from .document_views import document_download, document_upload

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/", views.contract_create, name="create"),
    path("alignment-preview/", views.alignment_preview, name="alignment-preview"),
    path("backtest-preview/", backtest_views.backtest_preview, name="backtest-preview"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/sign/confirm/", views.contract_sign_confirm, name="sign-confirm"),
    path("<int:pk>/documents/", document_upload, name="document-upload"),
    path("<int:pk>/documents/<int:document_pk>/", document_download, name="document-download"),
    path(
        "<int:pk>/lines/<int:line_pk>/confirm-schedule/",
        views.line_schedule_confirm,
        name="line-schedule-confirm",
    ),
    path("<int:pk>/lines/<int:line_pk>/decide/", decisions.line_decide, name="line-decide"),
    # One POST endpoint per action, each named after it: {% url 'contracts:sign' pk %}.
    *(
        path(f"<int:pk>/{action}/", views.contract_action, {"action": action}, name=action)
        for action in views.ACTIONS
    ),
]
