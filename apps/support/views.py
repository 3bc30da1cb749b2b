"""The support desk's pages: the built-in ticket list (for desks without a helpdesk) and the
metrics page.

Every change an agent makes goes through the services (``ticket_create``,
``ticket_event_add``), so it is an event of the ticket's log and the clocks are recomputed from
it, exactly as for a helpdesk's webhook. The list refreshes its rows itself (a small fetch of
``?fragment=rows``; static/js/support-desk.js).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from apps.core import charts, formatting
from apps.core.downloads import attachment, csv_text

from . import access
from .choices import TicketEventType
from .desk import Calendars, clock_lights, desk_tickets
from .forms import AssignForm, MetricsForm, PriorityForm, ReplyForm, StatusForm, TicketForm
from .metrics import FIELDS, MetricsFilter, support_metrics
from .models import Ticket, TicketClock
from .selectors import clock_escalations
from .services import ticket_create, ticket_event_add

BUILTIN = "builtin"
REFRESH_SECONDS = 30


def _next_external_id() -> str:
    """``B-<n>``, the first number after as many as there are that no ticket holds yet."""
    taken = set(
        Ticket.objects.filter(source=BUILTIN, external_id__startswith="B-").values_list(
            "external_id", flat=True
        )
    )
    number = len(taken) + 1
    while f"B-{number}" in taken:
        number += 1
    return f"B-{number}"


def _messages_of(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
    return " ".join(error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_list(request):
    """The newest open tickets (``?show=all``: every ticket) with each clock's time left."""
    access.check_tickets(request.user)
    now = timezone.now()
    form = TicketForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_create(
                source=BUILTIN,
                external_id=_next_external_id(),
                service=form.cleaned_data["service"],
                customer=form.cleaned_data["customer"],
                priority=form.cleaned_data["priority"],
                subject=form.cleaned_data["subject"],
                assignee=request.user.get_username(),
                created_at=now,
                now=now,
            )
        except ValidationError as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, f"Ticket {ticket.external_id} created.")
            return redirect("support:ticket", pk=ticket.pk)
    show = "all" if request.GET.get("show") == "all" else "open"
    context = {
        "rows": desk_tickets(now=now, show=show),
        "show": show,
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
    }
    if request.GET.get("fragment") == "rows":
        return render(request, "support/_ticket_rows.html", context)
    return render(request, "support/ticket_list.html", {**context, "form": form})


ACTIONS = {
    # action: (form, field, event type)
    "status": (StatusForm, "status", TicketEventType.STATUS),
    "priority": (PriorityForm, "priority", TicketEventType.PRIORITY),
    "reply": (ReplyForm, "text", TicketEventType.PUBLIC_REPLY),
    "comment": (ReplyForm, "text", TicketEventType.COMMENT),
    "assign": (AssignForm, "assignee", TicketEventType.ASSIGNED),
}


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request, pk: int):
    """One ticket: its clocks, its log, and the forms that add events to it."""
    access.check_tickets(request.user)
    clocks = TicketClock.objects.select_related("indicator__calendar").order_by(
        "-metric", "indicator__name", "cycle"
    )
    ticket = get_object_or_404(
        Ticket.objects.select_related(
            "service", "customer", "contract__support_calendar"
        ).prefetch_related(Prefetch("clocks", queryset=clocks)),
        pk=pk,
    )
    now = timezone.now()
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        form = action[0](request.POST) if action else None
        if form is None or not form.is_valid():
            messages.error(request, "Choose what to change and fill in its field.")
        else:
            _, field, event_type = action
            try:
                ticket_event_add(
                    ticket=ticket, type=event_type, at=now, value=form.cleaned_data[field], now=now
                )
            except ValidationError as error:
                messages.error(request, _messages_of(error))
            else:
                messages.success(request, f"{TicketEventType(event_type).label} recorded.")
        return redirect("support:ticket", pk=ticket.pk)
    levels = clock_escalations(clock_ids=[clock.pk for clock in ticket.clocks.all()])
    context = {
        "ticket": ticket,
        "clocks": clock_lights(ticket, ticket.clocks.all(), Calendars(now), now),
        "clock_levels": [
            (clock, levels[clock.pk]) for clock in ticket.clocks.all() if clock.pk in levels
        ],
        "events": ticket.events.order_by("at", "id"),
        "status_form": StatusForm(initial={"status": ticket.status}),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}),
        "reply_form": ReplyForm(),
        "assign_form": AssignForm(initial={"assignee": ticket.assignee}),
    }
    return render(request, "support/ticket_detail.html", context)


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60, 1)


def _figure(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _written(value) -> str | None:
    """A rounded duration as the tables write figures: 60, 1.5 (never 60.0)."""
    return None if value is None else formatting.trimmed(_figure(value))


def _minutes_tick(value: Decimal, places: int) -> str:
    return f"{formatting.trimmed(value)} min"


def metrics_charts(figures: dict) -> list[dict]:
    """The page's charts as inline SVG drawn by apps/core/charts.py, each with its title; the
    table above has the exact figures."""
    priorities = list(figures)

    def series(label, key, index, convert=_figure):
        values = [convert(figures[p][key]) for p in priorities]
        return charts.Series(label, values, charts.BARS[index])

    def minutes(seconds):
        return _figure(_minutes(seconds))

    drawn = [
        (
            "within",
            "Within target, by priority",
            "Share of tickets responded and resolved within target per priority.",
            [
                series("Responded within target", "responded_within_pct", 0),
                series("Resolved within target", "resolved_within_pct", 2),
            ],
            {
                "tick_text": charts.percent_tick,
                "value_text": lambda value, label: f"{label}: {formatting.percent(value)}",
                "scale_": charts.scale(Decimal(0), Decimal(100)),
            },
        ),
        (
            "response",
            "Response against committed (business minutes)",
            "Average response time against the committed response per priority.",
            [
                series("Average response", "avg_response_seconds", 0, minutes),
                series("Committed response", "committed_response_seconds", 1, minutes),
            ],
            {
                "tick_text": _minutes_tick,
                "value_text": lambda value, label: f"{label}: {formatting.trimmed(value)} min",
            },
        ),
        (
            "tickets",
            "Tickets by priority",
            "Tickets per priority.",
            [series("Tickets", "tickets", 0)],
            {
                "tick_text": charts.count_tick,
                "value_text": lambda value, label: f"{formatting.trimmed(value)} tickets",
                "scale_": charts.count_scale([Decimal(row["tickets"]) for row in figures.values()]),
            },
        ),
    ]
    return [
        {
            "id": chart_id,
            "title": title,
            # Safe: apps/core/charts.py escapes every text it writes into the SVG.
            "svg": mark_safe(
                charts.bar_chart(
                    chart_id=f"chart-{chart_id}",
                    title=title,
                    description=f"{description} The table above has the exact figures.",
                    labels=priorities,
                    series=bars,
                    **axis,
                )
            ),
        }
        for chart_id, title, description, bars, axis in drawn
    ]


@login_required
@require_GET
def metrics_page(request):
    """Per priority: tickets, % within target, response against committed, MTTR; ``?format=csv``
    for the table."""
    access.check_metrics(request.user)
    form = MetricsForm(request.GET or None)
    filters = MetricsFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = MetricsFilter(
            service=data["service"].pk if data["service"] else None,
            customer=data["customer"].pk if data["customer"] else None,
            contract=data["contract"].pk if data["contract"] else None,
            start=data["start"],
            end=data["end"],
        )
    figures = support_metrics(filters)
    if request.GET.get("format") == "csv":
        rows = (
            [
                priority,
                *("" if row[f] is None else row[f] for f in FIELDS if f != "breaches_by_cause"),
                ";".join(f"{k}={v}" for k, v in row["breaches_by_cause"].items()),
            ]
            for priority, row in figures.items()
        )
        text = csv_text(["priority", *FIELDS], rows)
        return attachment(text, "text/csv; charset=utf-8", "support-metrics.csv")
    rows = [
        {
            "priority": priority,
            **row,
            "responded_within": formatting.percent(
                row["responded_within_pct"], none=formatting.NOTHING
            ),
            "resolved_within": formatting.percent(
                row["resolved_within_pct"], none=formatting.NOTHING
            ),
            "avg_response_minutes": _written(_minutes(row["avg_response_seconds"])),
            "committed_response_minutes": _written(_minutes(row["committed_response_seconds"])),
            "mttr_hours": _written(
                None if row["mttr_seconds"] is None else round(row["mttr_seconds"] / 3600, 1)
            ),
        }
        for priority, row in figures.items()
    ]
    return render(
        request,
        "support/metrics.html",
        {"form": form, "rows": rows, "charts": metrics_charts(figures)},
    )
