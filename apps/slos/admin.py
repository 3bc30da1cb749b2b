"""Indicators, SLOs and buffer policies in the admin, where engineering defines what is measured
and tightens objectives. The indicator admin lives here because its list shows each indicator's
active SLO.

Saving an SLO or a buffer policy here goes through ``services.py``, as the API does: a material
change bumps the SLO's version, and the apps above act on the change (contracts voids the unsigned
sign-offs that judged the old version and refreshes its lines' verdicts; drift flags signed lines
it no longer backs).
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from apps.catalog.admin import MyTeamsFilter
from apps.catalog.models import Indicator
from apps.catalog.ownership import TeamOwnedAdmin
from apps.catalog.policies import sees_every_team

from . import services
from .alignment import fmt
from .choices import SloStatus
from .models import SLO, BufferPolicy


def change_reason(request, change: bool) -> str:
    """What history says of a save from the admin; reverting goes through the same save."""
    if not change:
        return "Created in the admin."
    if request.resolver_match and request.resolver_match.url_name.endswith("_simple_history"):
        return "Reverted to an earlier version in the admin."
    return "Changed in the admin."


def adopt(obj, saved) -> None:
    """Give the admin's instance what the service saved (pk, version), for the log and redirect."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


def form_fields(form, allowed: tuple[str, ...]) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name in allowed}


class IndicatorTeamFilter(MyTeamsFilter):
    team_path = "service__team"


@admin.register(Indicator)
class IndicatorAdmin(TeamOwnedAdmin):
    list_display = [
        "name",
        "service",
        "kind",
        "priority",
        "threshold_display",
        "source",
        "active_slo",
    ]
    list_select_related = ["service"]
    list_filter = [IndicatorTeamFilter, "kind", "priority", "source", "service__team"]
    search_fields = ["name", "service__name", "service__slug"]
    autocomplete_fields = ["service"]
    fieldsets = [
        (None, {"fields": ["service", "name", "kind", "threshold", "unit", "source"]}),
        ("Prometheus", {"fields": ["good_query", "total_query"], "classes": ["collapse"]}),
        (
            "Support clock (support kinds; threshold in minutes)",
            {"fields": ["priority", "calendar", "pause_on", "on_reopen", "retroactive_start"]},
        ),
    ]
    team_path = "service__team"
    owned_choices = {"service": "team__members"}

    def get_queryset(self, request):
        # The active SLO's target as a subquery: the column costs no query per row.
        active_target = SLO.objects.filter(
            indicator=OuterRef("pk"), status=SloStatus.ACTIVE
        ).values("target")[:1]
        return super().get_queryset(request).annotate(active_target=Subquery(active_target))

    @admin.display(description="threshold", ordering="threshold")
    def threshold_display(self, indicator):
        if indicator.threshold is None:
            return "—"
        return f"{indicator.threshold.normalize():f} {indicator.unit}".strip()

    @admin.display(description="active SLO", ordering="active_target")
    def active_slo(self, indicator):
        if indicator.active_target is None:
            return "none"
        return f"{indicator.active_target.normalize():f} %"


class SloTeamFilter(MyTeamsFilter):
    team_path = "indicator__service__team"


@admin.register(SLO)
class SLOAdmin(TeamOwnedAdmin):
    list_display = [
        "__str__",
        "service",
        "team",
        "target_display",
        "window",
        "budgeting_method",
        "status",
        "version",
    ]
    list_select_related = ["indicator__service__team"]
    list_filter = [SloTeamFilter, "status", "window", "budgeting_method", "indicator__kind"]
    search_fields = ["name", "indicator__name", "indicator__service__name"]
    autocomplete_fields = ["indicator"]
    readonly_fields = ["version", "created_at"]
    fieldsets = [
        (None, {"fields": ["indicator", "name", "target", "status", "description"]}),
        ("Window", {"fields": ["window", "budgeting_method", "timeslice_target", "timezone"]}),
        ("Record", {"fields": ["version", "created_at"]}),
    ]
    team_path = "indicator__service__team"
    owned_choices = {"indicator": "service__team__members"}

    @admin.display(description="service", ordering="indicator__service__name")
    def service(self, slo):
        return slo.indicator.service.name

    @admin.display(description="team", ordering="indicator__service__team__name")
    def team(self, slo):
        return slo.indicator.service.team.name

    @admin.display(description="target", ordering="target")
    def target_display(self, slo):
        return f"{fmt(slo.target)} %"

    def save_model(self, request, obj, form, change):
        fields = form_fields(form, services.SLO_FIELDS)
        reason = change_reason(request, change)
        if change:
            saved = services.slo_update(slo=obj, user=request.user, reason=reason, **fields)
        else:
            saved = services.slo_create(user=request.user, reason=reason, **fields)
        adopt(obj, saved)


@admin.register(BufferPolicy)
class BufferPolicyAdmin(TeamOwnedAdmin):
    """The global policy (no service) is changed by superusers; teams override their services."""

    list_display = ["scope", "min_budget_ratio", "min_margin"]
    list_select_related = ["service"]
    autocomplete_fields = ["service"]
    team_path = "service__team"
    owned_choices = {"service": "team__members"}

    @admin.display(description="applies to", ordering="service__name")
    def scope(self, policy):
        return policy.service.name if policy.service_id else "Global default"

    def save_model(self, request, obj, form, change):
        fields = form_fields(form, services.BUFFER_POLICY_FIELDS)
        reason = change_reason(request, change)
        if change:
            saved = services.buffer_policy_update(
                policy=obj, user=request.user, reason=reason, **fields
            )
        else:
            saved = services.buffer_policy_create(user=request.user, reason=reason, **fields)
        adopt(obj, saved)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if sees_every_team(request.user):
            return form

        class OverrideOnlyForm(form):
            def clean_service(self):
                service = self.cleaned_data.get("service")
                if service is None:
                    raise ValidationError("Choose the service this override applies to.")
                return service

        return OverrideOnlyForm
