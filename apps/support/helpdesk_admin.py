"""Helpdesk sources in the admin, and the CSV upload of ticket history.

The secret is write-only: the form never shows it, and leaving it blank on a change keeps the
stored one. The mappings are JSON objects edited in place; the model's ``clean`` names a bad
status or priority.

The upload page (``admin:support_ticket_upload_csv``) follows the SLI sample upload: choose a
file, read the preview (every row checked and the ingestion run and rolled back), confirm.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from apps.core.csv_upload import PREVIEW_ROWS, CsvUploadFlow

from .csv_import import COLUMNS, MAX_BYTES, ticket_history_csv_import
from .helpdesks.models import HelpdeskSource
from .models import Ticket


class HelpdeskSourceForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Never shown once saved; leave blank to keep the current secret.",
    )

    api_token = forms.CharField(
        required=False,
        strip=True,
        max_length=300,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Never shown once saved; leave blank to keep the current token (or, with "
        "none stored, to use the environment's HELPDESK_API_TOKEN_<SLUG>).",
    )

    class Meta:
        model = HelpdeskSource
        fields = [
            "name",
            "slug",
            "kind",
            "secret",
            "default_service",
            "default_priority",
            "status_mapping",
            "priority_mapping",
            "customer_mapping",
            "api_url",
            "api_email",
            "api_token",
            "group_field",
            "group_mapping",
            "active",
        ]

    def clean_api_token(self):
        return self.cleaned_data.get("api_token") or self.instance.api_token

    def clean_secret(self):
        secret = self.cleaned_data.get("secret") or ""
        if not secret:
            if not self.instance.pk:
                raise forms.ValidationError("A new source needs its secret.")
            return self.instance.secret
        return secret


@admin.register(HelpdeskSource)
class HelpdeskSourceAdmin(admin.ModelAdmin):
    form = HelpdeskSourceForm
    list_display = ["name", "slug", "kind", "default_service", "active", "created_at"]
    list_filter = ["kind", "active"]
    list_select_related = ["default_service"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["default_service"]

    def get_urls(self):
        return [*TicketHistoryUploadPage(self.admin_site).get_urls(), *super().get_urls()]


class TicketHistoryUploadPage:
    """Upload → preview (nothing kept) → confirm (ingested), as the SLI sample upload does."""

    template = "admin/support/ticket/upload_csv.html"

    def __init__(self, admin_site):
        self.admin_site = admin_site
        self.opts = Ticket._meta

    def get_urls(self):
        return [
            path(
                "tickets/upload-csv/",
                self.admin_site.admin_view(self.upload_csv_view),
                name="support_ticket_upload_csv",
            )
        ]

    def upload_csv_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload ticket history (CSV)",
        }
        return TicketHistoryUpload().handle(request, context)


class TicketHistoryUpload(CsvUploadFlow):
    template = "admin/support/ticket/upload_csv.html"
    session_key = "support_ticket_history_upload"
    columns = COLUMNS
    max_bytes = MAX_BYTES
    refusal = "You may not upload ticket history."

    def may_upload(self, request) -> bool:
        return request.user.has_perm("support.add_ticket")

    def parse(self, request, data: bytes, *, dry_run: bool):
        return ticket_history_csv_import(data=data, dry_run=dry_run)

    def preview_rows(self, parsed) -> list[dict]:
        return [
            {**item, "row": number}
            for number, item in zip(
                parsed.row_numbers[:PREVIEW_ROWS], parsed.items[:PREVIEW_ROWS], strict=True
            )
        ]

    def preview_figures(self, parsed) -> dict:
        return {"ticket_count": parsed.tickets}

    def imported(self, request, name: str, parsed):
        messages.success(
            request,
            f"Imported {name}: {parsed.result.created} events recorded, "
            f"{parsed.result.duplicates} already there.",
        )
        return HttpResponseRedirect(reverse("admin:support_ticket_upload_csv"))
