"""The release gate: an exhausted error budget pauses a service's feature deployments.

CI/CD asks ``release_gate(service)`` before deploying. The gate is closed while any active SLO
of the service has spent its error budget over its current window (budget remaining ≤ 0), and
reopened by an unexpired ReleaseGateException (a P0 or security fix recorded by an admin).

"Since" approximates when the budget ran out: the start of the first sample bucket of the
window at which the cumulative bad events (bad slices for timeslices SLOs) exceeded the budget
of the whole window as it stands now — b × Σtotal. Cumulative bad only grows, so from that
bucket on the window as measured today was already overspent. It is an approximation: budgets
of rolling windows also move as old buckets leave the window, which this ignores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When, Window
from django.utils import timezone

from apps.catalog.models import Service
from apps.catalog.policies import owns_team
from apps.core.formatting import percent
from apps.slos.alignment import fmt
from apps.slos.choices import BudgetingMethod, SloStatus
from apps.slos.models import SLO

from . import maths
from .models import ReleaseGateException, SLISample
from .risk import WindowBudget, share_spent, window_budgets

_SCALE = 1_000_000


@dataclass(frozen=True)
class ExhaustedBudget:
    """One active SLO whose window budget is spent."""

    slo: SLO
    budget: WindowBudget
    since: datetime | None


@dataclass(frozen=True)
class GateDecision:
    """Whether a service may release now, and why."""

    allowed: bool
    reasons: list[str]
    since: datetime | None
    exhausted: list[ExhaustedBudget] = field(default_factory=list)
    exception: ReleaseGateException | None = None


def _bad_events(slo: SLO):
    """Bad events of a sample; for timeslices, 1 for a slice with events that missed the bar."""
    if slo.budgeting_method != BudgetingMethod.TIMESLICES:
        return F("total") - F("good")
    scaled = int(Decimal(slo.timeslice_target).scaleb(4).to_integral_value())
    return Case(
        When(Q(total__gt=0) & Q(scaled_good__lt=F("total") * scaled), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def exhausted_since(slo: SLO, budget: WindowBudget, at: datetime) -> datetime | None:
    """Start of the first bucket where cumulative bad exceeded the window's budget (one query)."""
    # Cumulative bad is an integer: compare it with the whole part of the budget, an integer
    # too, so that neither database compares a number with a decimal string.
    allowed_bad = int(maths.error_budget(slo.target) * budget.total)
    return (
        SLISample.objects.filter(
            indicator_id=slo.indicator_id, start__gte=budget.window_start, start__lt=at
        )
        .alias(scaled_good=F("good") * Value(_SCALE))
        .annotate(cumulative_bad=Window(Sum(_bad_events(slo)), order_by=F("start").asc()))
        .filter(cumulative_bad__gt=allowed_bad)
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )


def active_exception(service: Service, at: datetime) -> ReleaseGateException | None:
    return (
        ReleaseGateException.objects.filter(service=service, expires_at__gt=at)
        .select_related("created_by")
        .order_by("-expires_at")
        .first()
    )


def _when(instant: datetime) -> str:
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M %Z}"


def _exhausted_reason(item: ExhaustedBudget) -> str:
    slo, budget = item.slo, item.budget
    since = f" since about {_when(item.since)}" if item.since else ""
    return (
        f"{slo.indicator.name} (SLO {fmt(slo.target)} %, {slo.get_window_display().lower()}): "
        f"error budget exhausted{since} — attainment {percent(budget.attainment)}, "
        f"{share_spent(budget.remaining)} of the budget spent."
    )


def release_gate(service: Service, *, at: datetime | None = None) -> GateDecision:
    """Open or closed, with reasons and figures. Three queries, plus one per exhausted SLO."""
    at = at or timezone.now()
    slos = list(
        SLO.objects.filter(status=SloStatus.ACTIVE, indicator__service=service)
        .select_related("indicator")
        .order_by("indicator__name")
    )
    if not slos:
        return GateDecision(
            True, ["No active SLO: the error budget policy has nothing to gate."], None
        )
    budgets = window_budgets(slos, at=at)
    exhausted = [
        ExhaustedBudget(slo, budgets[slo.pk], exhausted_since(slo, budgets[slo.pk], at))
        for slo in slos
        if budgets[slo.pk].exhausted
    ]
    if not exhausted:
        reasons = [
            f"{slo.indicator.name}: "
            + (
                "no data in the window yet."
                if budgets[slo.pk].remaining is None
                else f"{fmt((budgets[slo.pk].remaining * 100).quantize(Decimal(1)))} % of the "
                "error budget left."
            )
            for slo in slos
        ]
        return GateDecision(True, reasons, None)
    since_times = [item.since for item in exhausted if item.since]
    since = min(since_times) if since_times else None
    reasons = [_exhausted_reason(item) for item in exhausted]
    exception = active_exception(service, at)
    if exception is None:
        return GateDecision(False, reasons, since, exhausted)
    opened = (
        f"Open by exception ({exception.get_kind_display()}) recorded by "
        f"{exception.created_by.get_username()} on {_when(exception.created_at)} until "
        f"{_when(exception.expires_at)}: {exception.reason}"
    )
    return GateDecision(True, [opened, *reasons], since, exhausted, exception)


def release_gate_exception_record(
    *, service: Service, user, kind: str, reason: str, expires_at: datetime
) -> ReleaseGateException:
    """Record who reopens a closed gate, why and until when.

    Needs the add permission and, like sign-off, membership of the team that owns the service
    (superusers and holders of the global approval permission act for every team).
    """
    if not user.has_perm("measurements.add_releasegateexception"):
        raise PermissionDenied("You may not open the release gate by exception.")
    if not owns_team(user, service.team_id):
        raise PermissionDenied(
            "Only members of the team that owns the service may open its release gate."
        )
    exception = ReleaseGateException(
        service=service,
        kind=kind,
        reason=(reason or "").strip(),
        expires_at=expires_at,
        created_by=user,
    )
    exception.full_clean()
    exception._history_user = user
    exception._change_reason = f"Release gate opened by exception: {exception.reason}"
    with transaction.atomic():
        exception.save()
    return exception
