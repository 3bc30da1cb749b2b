"""Who may change what engineering owns: the one place the team-ownership rule lives.

Engineers change only their own team's services, indicators, SLOs and buffer-policy overrides;
superusers and holders of the global approval permission act for every team. The admin, the API
and the OpenSLO importer all ask these functions.
"""

from django.core.exceptions import PermissionDenied


def sees_every_team(user) -> bool:
    """Superusers and holders of the global approval permission act for every team."""
    return user.is_superuser or user.has_perm("contracts.approve_any_commitment")


def owns_team(user, team_id: int | None) -> bool:
    if sees_every_team(user):
        return True
    return team_id is not None and user.teams.filter(pk=team_id).exists()


def check_owns_team(user, team_id: int | None) -> None:
    if not owns_team(user, team_id):
        raise PermissionDenied("Only members of the team that owns the service may change it.")
