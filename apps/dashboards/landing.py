"""Where each person lands after signing in (and at ``/``), and the work counts the navigation
shows: engineers their team's review queue, legal what waits for legal, leadership the
portfolio, sales their contracts, support the ticket list.

It lives here, the highest app the pages it points at belong to, because it reads both the
contracts and the support desk.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from apps.contracts import policies
from apps.contracts.filters import LEGAL_QUEUE, OWNER_ME
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, SALES, SUPPORT, has_role
from apps.support.access import can_work_tickets

from . import access


def awaiting_my_team_url() -> str:
    return reverse("admin:contracts_commitment_changelist") + "?awaiting=me"


def waiting_for_legal_url() -> str:
    return reverse("contracts:list") + f"?queue={LEGAL_QUEUE}"


def my_contracts_url() -> str:
    return reverse("contracts:list") + f"?owner={OWNER_ME}"


def landing_url(user) -> str:
    """The page of this user's own work; the contract list when no role names one."""
    if user.is_superuser or has_role(user, LEADERSHIP):
        return reverse("dashboards:portfolio")
    if has_role(user, ENGINEERING) and user.is_staff:
        return awaiting_my_team_url()
    if has_role(user, LEGAL):
        return waiting_for_legal_url()
    if has_role(user, SALES):
        return my_contracts_url()
    if has_role(user, SUPPORT) and can_work_tickets(user):
        return reverse("support:tickets")
    if access.home_url(user):
        return access.home_url(user)
    return reverse("contracts:list")


@login_required
@require_GET
def home(request):
    return redirect(landing_url(request.user))


@dataclass(frozen=True)
class WorkLink:
    """One queue in the navigation: its label, where it leads and how many items wait in it."""

    label: str
    url: str
    count: int


def work_links(user) -> list[WorkLink]:
    """The user's queues, one count query each: engineering's lines awaiting the team's decision
    and legal's contracts waiting for approval or signature."""
    if not user.is_authenticated:
        return []
    links = []
    if has_role(user, ENGINEERING) and user.is_staff:
        count = policies.signoff_queue(user).count()
        links.append(WorkLink("Awaiting my team", awaiting_my_team_url(), count))
    if has_role(user, LEGAL):
        count = policies.legal_queue(user).count()
        links.append(WorkLink("Waiting for legal", waiting_for_legal_url(), count))
    return links


def work_counts(request):
    """Context processor: the navigation's queues with their counts.

    Lazy, so that pages that never draw the navigation (fragments, the admin) pay nothing."""
    user = getattr(request, "user", None)
    if user is None:
        return {"work_links": []}
    return {"work_links": SimpleLazyObject(lambda: work_links(user))}
