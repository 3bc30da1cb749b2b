"""Measurements in the admin: SLI samples (read, filter, delete) and their CSV upload.

Samples are written by the sources that check them (REST API, CSV upload here, Prometheus
connector), never through a model form: a form would bypass the overlap and ownership checks of
``samples_ingest``. So "Add" leads to the CSV upload and the change page is read-only.
"""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.catalog.models import Indicator

from .csv_import import COLUMNS, MAX_BYTES, samples_csv_import
from .models import SLISample

# Session key of the file between the preview and the confirmation.
UPLOAD_SESSION_KEY = "measurements_csv_upload"
PREVIEW_ROWS = 200


class IndicatorFilter(admin.SimpleListFilter):
    """Filter by indicator, labelled with its service (one query, unlike a related filter)."""

    title = "indicator"
    parameter_name = "indicator"

    def lookups(self, request, model_admin):
        indicators = Indicator.objects.select_related("service").order_by("service__name", "name")
        return [(str(i.pk), f"{i.service.name} · {i.name}") for i in indicators]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(indicator_id=self.value())
        return queryset


@admin.register(SLISample)
class SLISampleAdmin(admin.ModelAdmin):
    list_display = ("indicator_label", "start", "end", "good", "total", "ratio")
    list_select_related = ("indicator__service",)
    list_filter = (IndicatorFilter,)
    # The table holds millions of rows: no COUNT(*) of all of them on every page.
    show_full_result_count = False
    ordering = ("-start",)
    raw_id_fields = ("indicator",)
    list_per_page = 100
    change_list_template = "admin/measurements/slisample/change_list.html"

    @admin.display(description="indicator", ordering="indicator__name")
    def indicator_label(self, sample):
        return f"{sample.indicator.service.name} · {sample.indicator.name}"

    @admin.display(description="good / total")
    def ratio(self, sample):
        if not sample.total:
            return "no events"
        return f"{sample.good / sample.total:.4%}"

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "upload-csv/",
                self.admin_site.admin_view(self.upload_csv_view),
                name="measurements_slisample_upload_csv",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:measurements_slisample_upload_csv"))

    def upload_csv_view(self, request):
        """Upload → preview (every row checked, nothing written) → confirm (upsert)."""
        if not self.has_add_permission(request):
            raise PermissionDenied("You may not upload SLI samples.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload SLI samples (CSV)",
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
                parsed = samples_csv_import(user=request.user, data=data, dry_run=True)
                context.update(self._preview_context(parsed, upload.name))
                if parsed.ok:
                    token = uuid.uuid4().hex
                    request.session[UPLOAD_SESSION_KEY] = {
                        "token": token,
                        "name": upload.name,
                        "text": data.decode("utf-8-sig"),
                    }
                    context["token"] = token
        return TemplateResponse(request, "admin/measurements/slisample/upload_csv.html", context)

    def _preview_context(self, parsed, name: str) -> dict:
        rows = [
            {**item, "row": number, "indicator": label}
            for number, label, item in zip(
                parsed.row_numbers[:PREVIEW_ROWS],
                parsed.labels[:PREVIEW_ROWS],
                parsed.items[:PREVIEW_ROWS],
                strict=True,
            )
        ]
        return {
            "file_name": name,
            "errors": parsed.errors,
            "preview_rows": rows if parsed.ok else [],
            "row_count": len(parsed.items),
            "more_rows": max(0, len(parsed.items) - PREVIEW_ROWS),
            "result": parsed.result,
        }

    def _confirm(self, request, context):
        stored = request.session.get(UPLOAD_SESSION_KEY)
        if not stored or stored.get("token") != request.POST.get("token"):
            context["form_error"] = (
                "This upload has expired or was replaced: upload the file again."
            )
            return TemplateResponse(
                request, "admin/measurements/slisample/upload_csv.html", context
            )
        parsed = samples_csv_import(user=request.user, data=stored["text"].encode())
        if not parsed.ok:
            # Something changed since the preview (another upload, a deleted indicator).
            context.update(self._preview_context(parsed, stored["name"]))
            return TemplateResponse(
                request, "admin/measurements/slisample/upload_csv.html", context
            )
        del request.session[UPLOAD_SESSION_KEY]
        self.message_user(
            request,
            f"Imported {stored['name']}: {parsed.result.created} samples created, "
            f"{parsed.result.updated} updated.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:measurements_slisample_changelist"))


from . import admin_gate  # noqa: E402, F401  (registers the release gate exception admin)
