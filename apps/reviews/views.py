"""Review pages: the cycles with their packets' progress, and one packet (page, PDF, CSV)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.core.downloads import attachment
from apps.core.errors import DomainError, refusal_text

from . import access, exports, selectors, services
from .choices import SignOffRole
from .models import ReviewPacket


@login_required
def cycle_list(request):
    access.require_view(request.user)
    current = (
        access.readable_packets(request.user, selectors.current_packets())
        .annotate(signoff_count=Count("signoffs"))
        .order_by("scope", "scope_label")
    )
    cycles = selectors.cycles_with_progress().prefetch_related(
        Prefetch("packets", queryset=current, to_attr="current")
    )
    return render(
        request,
        "reviews/cycle_list.html",
        {
            "cycles": cycles,
            "can_open": services.can_open_cycle(request.user),
            # Every role that signs a packet off, so the count says "2 of 4" and which four.
            "signing_roles": [role.label for role in SignOffRole],
            "default_year": services.previous_year(),
        },
    )


@login_required
@require_POST
def cycle_open(request):
    try:
        cycle = services.review_cycle_open(year=request.POST.get("year"), user=request.user)
    except (ValidationError, DomainError) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, f"{cycle} opened: its packets are being generated.")
    return redirect("reviews:cycle-list")


def _packet(request, pk: int) -> ReviewPacket:
    access.require_view(request.user)
    queryset = selectors.packets_with_currency(ReviewPacket.objects.select_related("cycle"))
    return get_object_or_404(access.readable_packets(request.user, queryset), pk=pk)


@login_required
def packet_detail(request, pk: int):
    packet = _packet(request, pk)
    held = set(services.signoff_roles_for(request.user))
    signoffs = list(packet.signoffs.select_related("user"))
    rows = selectors.signoff_status(signoffs)
    context = exports.packet_context(packet)
    context.update(
        signoff_rows=rows,
        signed_count=sum(1 for row in rows if row.signoff),
        # The form offers the roles the user holds that have not signed yet.
        signable_roles=[
            (row.role, row.label) for row in rows if row.role in held and not row.signoff
        ],
        holds_signing_role=bool(held),
    )
    return render(request, "reviews/packet_detail.html", context)


@login_required
@require_POST
def packet_signoff(request, pk: int):
    packet = _packet(request, pk)
    try:
        signoff = services.packet_signoff(
            packet=packet,
            user=request.user,
            role=request.POST.get("role", ""),
            comment=request.POST.get("comment", ""),
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, f"Nothing changed: {refusal_text(error)}")
    else:
        messages.success(request, f"Signed off for {signoff.get_role_display().lower()}.")
    return redirect("reviews:packet-detail", pk=packet.pk)


def _ready(request, pk: int) -> ReviewPacket:
    packet = _packet(request, pk)
    if not packet.is_ready:
        raise Http404("This packet is not ready.")
    return packet


@login_required
def packet_pdf(request, pk: int):
    packet = _ready(request, pk)
    signoffs = list(packet.signoffs.select_related("user"))
    return attachment(
        exports.packet_pdf(packet, signoffs),
        "application/pdf",
        exports.export_filename(packet, "pdf"),
    )


@login_required
def packet_csv(request, pk: int):
    packet = _ready(request, pk)
    return attachment(
        exports.packet_csv(packet),
        "text/csv; charset=utf-8",
        exports.export_filename(packet, "csv"),
    )
