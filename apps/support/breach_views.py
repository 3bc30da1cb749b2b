"""The breaches page: breached clocks still waiting for a cause, oldest first, each with a form
to give one (``breach_review_record``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.errors import TransitionNotAllowed

from . import access
from .escalation_models import BreachCause
from .models import TicketClock
from .selectors import breaches_unanalysed
from .services import breach_review_record

PAGE_SIZE = 100


@login_required
@require_http_methods(["GET", "POST"])
def breaches_page(request):
    access.check_tickets(request.user)
    if request.method == "POST":
        clock = get_object_or_404(TicketClock, pk=request.POST.get("clock") or 0)
        cause = BreachCause.objects.filter(pk=request.POST.get("cause") or 0).first()
        if cause is None:
            messages.error(request, "Choose a cause.")
            return redirect("support:breaches")
        try:
            breach_review_record(
                clock=clock,
                cause=cause,
                note=request.POST.get("note", "")[:5000],
                user=request.user,
            )
        except (ValidationError, TransitionNotAllowed, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request, f"Cause recorded for {clock.ticket.external_id} ({clock.metric})."
            )
        return redirect("support:breaches")
    breaches = list(breaches_unanalysed()[:PAGE_SIZE])
    return render(
        request,
        "support/breaches.html",
        {"breaches": breaches, "causes": BreachCause.objects.filter(active=True)},
    )
