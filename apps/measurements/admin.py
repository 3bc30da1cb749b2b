"""Measurements in the admin: SLI samples (list, filter, delete) and their CSV upload.

Samples are written by the sources that check them (REST API, CSV upload here, Prometheus
connector), never through a model form: a form would bypass the overlap and ownership checks of
``samples_ingest``. So "Add" leads to the CSV upload and there is no change page.

SLISample's primary key is (indicator, start), and Django 5.2's admin cannot register a model with
a composite primary key. Its pages are therefore plain admin views, served under the indicator
admin (which gains a "samples" column linking to them), named as a model admin's would be
(``admin:measurements_slisample_changelist``, ``…_add``, ``…_upload_csv``) and listed with the
app's models on the admin index (``CovenantAdminSite.add_page``).
"""

from datetime import UTC, datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.catalog.models import Indicator
from apps.core.csv_upload import PREVIEW_ROWS, CsvUploadFlow
from apps.slos.admin import IndicatorAdmin

from .csv_import import COLUMNS, MAX_BYTES, samples_csv_import
from .models import SLISample
from .sample_rows import BIGINT_MAX
from .services import samples_delete

SAMPLES_PER_PAGE = 100


def listed(samples) -> list[tuple[str, SLISample, str]]:
    """(form key, sample, good/total as a percentage) for the sample tables."""
    return [(s.key, s, f"{s.good / s.total:.4%}" if s.total else "no events") for s in samples]


def whole_number(text: str, *, at_most: int) -> int | None:
    """``text`` as a whole number from 1 to ``at_most``; None for anything else (a sign, digits
    that are not ASCII, a number past what the database's bigint holds)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= at_most else None


def parse_sample_keys(values) -> list[tuple[int, datetime]] | None:
    """The (indicator, start) pairs of ``SLISample.key`` strings; None if any is malformed."""
    keys = []
    for value in values:
        indicator, _, start = value.partition("/")
        indicator = whole_number(indicator, at_most=BIGINT_MAX)
        try:
            moment = datetime.fromisoformat(start)
            moment.astimezone(UTC)  # a moment past year 9999 in UTC cannot be looked up
        except (ValueError, OverflowError):
            return None
        if indicator is None or moment.tzinfo is None:
            return None
        keys.append((indicator, moment))
    return keys


class SampleAdminPages:
    """The SLI sample pages of the admin site: list (filter, pages, delete) and CSV upload."""

    template = "admin/measurements/slisample/change_list.html"

    def __init__(self, admin_site):
        self.admin_site = admin_site
        self.opts = SLISample._meta

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("samples/", view(self.changelist_view), name="measurements_slisample_changelist"),
            path("samples/add/", view(self.add_view), name="measurements_slisample_add"),
            path(
                "samples/upload-csv/",
                view(self.upload_csv_view),
                name="measurements_slisample_upload_csv",
            ),
        ]

    def has_perm(self, request, action: str) -> bool:
        return request.user.has_perm(f"measurements.{action}_slisample")

    def has_add_permission(self, request) -> bool:
        return self.has_perm(request, "add")

    def message_user(self, request, message, level=messages.INFO):
        messages.add_message(request, level, message)

    def each_context(self, request, title: str) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title}

    def changelist_view(self, request):
        """Newest samples first, 100 a page, filtered by indicator; delete after confirming."""
        if not self.has_perm(request, "view"):
            raise PermissionDenied("You may not view SLI samples.")
        if request.method == "POST":
            return self._delete(request)
        context = self.each_context(request, "SLI samples")
        indicator_id = whole_number(request.GET.get("indicator", ""), at_most=BIGINT_MAX)
        page = whole_number(request.GET.get("p", ""), at_most=BIGINT_MAX // SAMPLES_PER_PAGE) or 1
        samples = SLISample.objects.select_related("indicator__service")
        if indicator_id is not None:
            indicator = str(indicator_id)
            # The primary key's index, read backwards: no sort, whatever the table's size.
            samples = samples.filter(indicator_id=indicator_id).order_by("-start")
        else:
            indicator = ""
            samples = samples.order_by("-indicator_id", "-start")
        offset = (page - 1) * SAMPLES_PER_PAGE
        rows = list(samples[offset : offset + SAMPLES_PER_PAGE + 1])
        context.update(
            {
                "samples": listed(rows[:SAMPLES_PER_PAGE]),
                "indicators": Indicator.objects.select_related("service").order_by(
                    "service__name", "name"
                ),
                "indicator": indicator,
                "page": page,
                "previous_page": page - 1 if page > 1 else None,
                "next_page": page + 1 if len(rows) > SAMPLES_PER_PAGE else None,
                "has_add_permission": self.has_add_permission(request),
                "has_delete_permission": self.has_perm(request, "delete"),
            }
        )
        return TemplateResponse(request, self.template, context)

    def _delete(self, request):
        """POST "delete" with the selected keys shows them; "confirm" deletes them."""
        if not self.has_perm(request, "delete"):
            raise PermissionDenied("You may not delete SLI samples.")
        changelist = reverse("admin:measurements_slisample_changelist")
        keys = parse_sample_keys(request.POST.getlist("selected"))
        if not keys:
            self.message_user(request, "Select the samples to delete.", messages.WARNING)
            return HttpResponseRedirect(changelist)
        if "confirm" not in request.POST:
            samples = SLISample.objects.select_related("indicator__service").filter(pk__in=keys)
            context = self.each_context(request, "Delete SLI samples?")
            context["samples"] = listed(samples.order_by("indicator", "start"))
            context["confirming"] = True
            return TemplateResponse(request, self.template, context)
        deleted = samples_delete(user=request.user, keys=keys)
        self.message_user(request, f"Deleted {deleted} SLI sample(s).", messages.SUCCESS)
        return HttpResponseRedirect(changelist)

    def add_view(self, request):
        return HttpResponseRedirect(reverse("admin:measurements_slisample_upload_csv"))

    def upload_csv_view(self, request):
        return SampleUpload().handle(
            request, self.each_context(request, "Upload SLI samples (CSV)")
        )


class SampleUpload(CsvUploadFlow):
    template = "admin/measurements/slisample/upload_csv.html"
    session_key = "measurements_csv_upload"
    columns = COLUMNS
    max_bytes = MAX_BYTES
    refusal = "You may not upload SLI samples."

    def may_upload(self, request) -> bool:
        return request.user.has_perm("measurements.add_slisample")

    def parse(self, request, data: bytes, *, dry_run: bool):
        return samples_csv_import(user=request.user, data=data, dry_run=dry_run)

    def preview_rows(self, parsed) -> list[dict]:
        return [
            {**item, "row": number, "indicator": label}
            for number, label, item in zip(
                parsed.row_numbers[:PREVIEW_ROWS],
                parsed.labels[:PREVIEW_ROWS],
                parsed.items[:PREVIEW_ROWS],
                strict=True,
            )
        ]

    def imported(self, request, name: str, parsed):
        messages.success(
            request,
            f"Imported {name}: {parsed.result.created} samples created, "
            f"{parsed.result.updated} updated.",
        )
        return HttpResponseRedirect(reverse("admin:measurements_slisample_changelist"))


class IndicatorWithSamplesAdmin(IndicatorAdmin):
    """The indicator admin of slos, plus the sample pages and a link to each one's samples."""

    list_display = [*IndicatorAdmin.list_display, "samples_link"]

    def get_urls(self):
        return [*SampleAdminPages(self.admin_site).get_urls(), *super().get_urls()]

    @admin.display(description="samples")
    def samples_link(self, indicator):
        url = reverse("admin:measurements_slisample_changelist")
        return format_html('<a href="{}?indicator={}">samples</a>', url, indicator.pk)


admin.site.unregister(Indicator)
admin.site.register(Indicator, IndicatorWithSamplesAdmin)
admin.site.add_page(
    SLISample,
    changelist="admin:measurements_slisample_changelist",
    add="admin:measurements_slisample_upload_csv",
)

from . import admin_gate  # noqa: E402, F401  (registers the release gate exception admin)
