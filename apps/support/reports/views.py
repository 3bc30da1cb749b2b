"""The support reports' pages: the list with its request form, a report (page, PDF, CSV), and
regenerating one. Who may see them is the support metrics' rule (``access.check_metrics``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.downloads import attachment

from .. import access
from ..report_models import SupportReport
from . import exports
from .forms import ReportRequestForm
from .services import support_report_regenerate, support_report_request

PAGE_SIZE = 50


def _report(request, pk: int) -> SupportReport:
    access.check_metrics(request.user)
    return get_object_or_404(
        SupportReport.objects.select_related("service", "customer", "requested_by"), pk=pk
    )


def _errors(form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    """The reports requested so far, newest first, and the form to request one."""
    access.check_metrics(request.user)
    form = ReportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report = support_report_request(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, f"{report} requested.")
            return redirect("support:report", pk=report.pk)
    reports = SupportReport.objects.select_related("service", "customer", "requested_by")
    return render(
        request,
        "support/report_list.html",
        {"form": form, "reports": list(reports.defer("data")[:PAGE_SIZE])},
    )


@login_required
def report_detail(request, pk: int):
    report = _report(request, pk)
    return render(request, "support/report_detail.html", exports.report_context(report))


def _ready(request, pk: int) -> SupportReport:
    report = _report(request, pk)
    if not report.is_ready:
        raise Http404("This report is not ready.")
    return report


@login_required
def report_pdf(request, pk: int):
    report = _ready(request, pk)
    return attachment(
        exports.report_pdf(report), "application/pdf", exports.export_filename(report, "pdf")
    )


@login_required
def report_csv(request, pk: int):
    report = _ready(request, pk)
    return attachment(
        exports.report_csv(report),
        "text/csv; charset=utf-8",
        exports.export_filename(report, "csv"),
    )


@login_required
@require_POST
def report_regenerate(request, pk: int):
    report = _report(request, pk)
    new = support_report_regenerate(report=report, user=request.user)
    messages.success(request, f"A new {report.get_kind_display().lower()} requested.")
    return redirect("support:report", pk=new.pk)
