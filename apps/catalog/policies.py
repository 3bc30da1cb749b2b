"""Who may change what engineering owns: the one place the team-ownership rule lives.

Engineers change only their own team's services, indicators, SLOs and buffer-policy overrides;
superusers and holders of the global approval permission act for every team. The admin, the API
and the OpenSLO importer all ask these functions.
"""

from django.core.exceptions import PermissionDenied

from apps.core.roles import LEGAL, has_role


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


def may_change_customer(user, customer=None) -> bool:
    """Who may rename a customer (its name is the party every contract of it is signed with).

    Legal keeps the customers' names, as a CRM's account administrators do. A salesperson
    changes a customer only while it is theirs alone, as an account's owner does: none of its
    contracts, of any revision, belongs to another salesperson (a new customer has none). A
    second salesperson who drafts a contract for someone else's customer gains no say over it.
    """
    if not user.has_perm("catalog.change_customer"):
        return False
    if user.is_superuser or has_role(user, LEGAL) or customer is None or customer.pk is None:
        return True
    return not customer.contracts.exclude(owner_id=user.pk).exists()


def check_change_customer(user, customer) -> None:
    if not may_change_customer(user, customer):
        raise PermissionDenied(
            "Only legal, or the salesperson who owns every contract of this customer, may "
            "change it."
        )
