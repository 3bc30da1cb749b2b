"""The team-ownership rule in the admin and in the API: engineers change only what their own team
owns (services, indicators, SLOs, policies, channels). The rule itself is in policies.py."""

from __future__ import annotations

from apps.core.admin import GovernedAdmin

from .policies import check_owns_team, sees_every_team


class TeamOwnedAdmin(GovernedAdmin):
    """Engineers change only what their own team owns (services, indicators, SLOs, policies).

    ``team_path`` is the lookup from the model to its owning Team (e.g. "indicator__service__team").
    ``owned_choices`` limits foreign-key choices on the form to the user's teams, so an engineer
    cannot create an SLO on another team's indicator either.
    """

    team_path: str = "team"
    owned_choices: dict[str, str] = {}

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or sees_every_team(request.user):
            return True
        # Asked several times per change page: remember the answer for the request.
        cache = request.__dict__.setdefault("_covenant_owned", {})
        key = (self.model._meta.label, obj.pk)
        if key not in cache:
            cache[key] = self.model._default_manager.filter(
                pk=obj.pk, **{f"{self.team_path}__members": request.user}
            ).exists()
        return cache[key]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        members_lookup = self.owned_choices.get(db_field.name)
        if field is not None and members_lookup and not sees_every_team(request.user):
            field.queryset = field.queryset.filter(**{members_lookup: request.user}).distinct()
        return field


class TeamOwnedWrites:
    """Viewset mixin: engineers write only what their own team owns, as in the admin.

    ``team_path`` leads from the model to its owning team ("indicator__service__team"); both the
    row as stored and the row as it would be saved must belong to one of the user's teams.
    """

    team_path = "team"

    def _team_id(self, data: dict, instance=None) -> int | None:
        first, *rest = self.team_path.split("__")
        target = data.get(first, getattr(instance, first, None))
        if target is None or not rest:
            return getattr(target, "pk", None)
        for part in rest[:-1]:
            target = getattr(target, part)
        return getattr(target, f"{rest[-1]}_id")

    def check_team_create(self, serializer) -> None:
        check_owns_team(self.request.user, self._team_id(serializer.validated_data))

    def check_team_update(self, serializer) -> None:
        user, instance = self.request.user, serializer.instance
        check_owns_team(user, self._team_id({}, instance))
        check_owns_team(user, self._team_id(serializer.validated_data, instance))

    # A viewset that writes through a service overrides these and calls the checks itself.
    def perform_create(self, serializer):
        self.check_team_create(serializer)
        super().perform_create(serializer)

    def perform_update(self, serializer):
        self.check_team_update(serializer)
        super().perform_update(serializer)
