"""Helpdesk sources in the admin, and the CSV upload of ticket history.

The secret is write-only: the form never shows it, and leaving it blank on a change keeps the
stored one. The mappings are JSON objects edited in place; the model's ``clean`` names a bad
status or priority.

The upload page (``admin:support_ticket_upload_csv``) follows the SLI sample upload: choose a
file, read the preview (every row checked and the ingestion run and rolled back), confirm.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .csv_import import COLUMNS, MAX_BYTES, ticket_history_csv_import
from .helpdesks.models import HelpdeskSource
from .models import Ticket

UPLOAD_SESSION_KEY = "support_ticket_history_upload"
PREVIEW_ROWS = 200


class HelpdeskSourceForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Never shown once saved; leave blank to keep the current secret.",
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
            "active",
        ]

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
        if not request.user.has_perm("support.add_ticket"):
            raise PermissionDenied("You may not upload ticket history.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload ticket history (CSV)",
            "columns": COLUMNS,
            "max_megabytes": MAX_BYTES // (1024 * 1024),
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request, context)
        if request.method == "POST":
            upload = request.FILES.get("file")
            if upload is None:
                context["form_error"] = "Choose a CSV file."
            elif upload.size > MAX_BYTES:
                context["form_error"] = f"The file is larger than {context['max_megabytes']} MB."
            else:
                data = upload.read()
                parsed = ticket_history_csv_import(data=data, dry_run=True)
                context.update(self._preview(parsed, upload.name))
                if parsed.ok:
                    token = uuid.uuid4().hex
                    request.session[UPLOAD_SESSION_KEY] = {
                        "token": token,
                        "name": upload.name,
                        "text": data.decode("utf-8-sig"),
                    }
                    context["token"] = token
        return TemplateResponse(request, self.template, context)

    def _preview(self, parsed, name: str) -> dict:
        rows = [
            {**item, "row": number}
            for number, item in zip(
                parsed.row_numbers[:PREVIEW_ROWS], parsed.items[:PREVIEW_ROWS], strict=True
            )
        ]
        return {
            "file_name": name,
            "errors": parsed.errors,
            "preview_rows": rows if parsed.ok else [],
            "row_count": len(parsed.items),
            "ticket_count": parsed.tickets,
            "more_rows": max(0, len(parsed.items) - PREVIEW_ROWS),
            "result": parsed.result,
        }

    def _confirm(self, request, context):
        stored = request.session.get(UPLOAD_SESSION_KEY)
        if not stored or stored.get("token") != request.POST.get("token"):
            context["form_error"] = (
                "This upload has expired or was replaced: upload the file again."
            )
            return TemplateResponse(request, self.template, context)
        parsed = ticket_history_csv_import(data=stored["text"].encode())
        if not parsed.ok:
            # Something changed since the preview (another upload, a deleted service).
            context.update(self._preview(parsed, stored["name"]))
            return TemplateResponse(request, self.template, context)
        del request.session[UPLOAD_SESSION_KEY]
        messages.success(
            request,
            f"Imported {stored['name']}: {parsed.result.created} events recorded, "
            f"{parsed.result.duplicates} already there.",
        )
        return HttpResponseRedirect(reverse("admin:support_ticket_upload_csv"))
