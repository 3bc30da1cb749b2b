"""The catalog in the admin: teams, services, customers and indicators (SLIs).

Engineering defines services and indicators for its own team here; the admin index is where
engineers start (DESIGN §2).
"""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery

from apps.core.admin import GovernedAdmin
from apps.slos.choices import SloStatus
from apps.slos.models import SLO

from .models import Customer, Indicator, Service, Team
from .ownership import TeamOwnedAdmin
from .policies import may_change_customer


class MyTeamsFilter(admin.SimpleListFilter):
    """Rows owned by one of the user's teams."""

    title = "ownership"
    parameter_name = "mine"
    team_path = "team"

    def lookups(self, request, model_admin):
        return [("yes", "My teams")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{f"{self.team_path}__members": request.user}).distinct()
        return queryset


@admin.register(Team)
class TeamAdmin(GovernedAdmin):
    list_display = ["name", "service_count", "member_count"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        # Counted in SQL so that the list costs the same whatever the number of teams.
        return (
            super()
            .get_queryset(request)
            .annotate(
                service_total=Count("services", distinct=True),
                member_total=Count("members", distinct=True),
            )
        )

    @admin.display(description="services", ordering="service_total")
    def service_count(self, team):
        return team.service_total

    @admin.display(description="members", ordering="member_total")
    def member_count(self, team):
        return team.member_total


@admin.register(Service)
class ServiceAdmin(TeamOwnedAdmin):
    list_display = ["name", "slug", "team", "indicator_count"]
    list_select_related = ["team"]
    list_filter = [MyTeamsFilter, "team"]
    search_fields = ["name", "slug", "team__name"]
    autocomplete_fields = ["team"]
    prepopulated_fields = {"slug": ["name"]}
    team_path = "team"
    owned_choices = {"team": "members"}

    def get_queryset(self, request):
        # One COUNT per list instead of one query per service.
        return super().get_queryset(request).annotate(indicator_total=Count("indicators"))

    @admin.display(description="indicators", ordering="indicator_total")
    def indicator_count(self, service):
        return service.indicator_total


@admin.register(Customer)
class CustomerAdmin(GovernedAdmin):
    list_display = ["name", "contract_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        # Revisions of one contract count once: the list shows contracts, not revisions.
        return (
            super()
            .get_queryset(request)
            .annotate(contract_total=Count("contracts__number", distinct=True))
        )

    @admin.display(description="contracts", ordering="contract_total")
    def contract_count(self, customer):
        return customer.contract_total

    def has_change_permission(self, request, obj=None):
        # Also what the history form asks before it reverts (GovernedAdmin).
        return super().has_change_permission(request, obj) and (
            obj is None or may_change_customer(request.user, obj)
        )


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
