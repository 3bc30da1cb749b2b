"""The catalog in the admin: teams, services and customers (indicators are with the SLOs).

Engineering defines services and indicators for its own team here; the admin index is where
engineers start.
"""

from django.contrib import admin
from django.db.models import Count

from apps.core.admin import GovernedAdmin

from .models import Customer, Service, Team
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
