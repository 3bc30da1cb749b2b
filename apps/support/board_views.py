"""The live board for support leads: every clock still counting, by priority and time left,
filtered by team, customer and assignee.

It refreshes itself: static/js/support-desk.js fetches ``?fragment=board`` (the same filters)
every ``SUPPORT_BOARD_REFRESH_SECONDS`` and swaps the groups in, as the ticket list does its
rows. The fragment reads a fixed number of queries whatever the number of clocks. Who may see it
is who may use the ticket list (``access.check_tickets``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import access
from .board import BOARD_LIMIT, board, counting_clocks
from .filtersets import BoardFilterSet
from .lights import WARNING_PERCENT

FRAGMENT = "board"


def _assignees() -> list[str]:
    """The assignees of the tickets on the board, for the filter's suggestions: one query."""
    return list(
        counting_clocks()
        .exclude(ticket__assignee="")
        .order_by("ticket__assignee")
        .values_list("ticket__assignee", flat=True)
        .distinct()
    )


@login_required
@require_GET
def board_page(request):
    access.check_tickets(request.user)
    now = timezone.now()
    filters = BoardFilterSet(request.GET, queryset=counting_clocks())
    problems = [] if filters.is_valid() else filters.problems()
    query = request.GET.copy()
    query.pop("fragment", None)
    context = {
        "filters": filters,
        "problems": problems,
        # A board of filters that cannot be used would show clocks that were not asked for.
        "board": None if problems else board(filters.qs, now=now, limit=BOARD_LIMIT),
        "limit": BOARD_LIMIT,
        "now": now,
        "query": query.urlencode(),
        "refresh_seconds": settings.SUPPORT_BOARD_REFRESH_SECONDS,
        "warning_percent": WARNING_PERCENT,
    }
    status = 400 if problems else 200
    if request.GET.get("fragment") == FRAGMENT:
        return render(request, "support/_board.html", context, status=status)
    context["assignees"] = _assignees()
    return render(request, "support/board.html", context, status=status)
