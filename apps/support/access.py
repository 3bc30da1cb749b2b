"""Who may use the support desk's pages: the one place its role rules live.

The ticket list and the live board of its clocks are the Support group's (it writes events);
the metrics page and API are also leadership's, who read how the desk keeps its promises.
Superusers may do both.
"""

from django.core.exceptions import PermissionDenied

from apps.core.roles import LEADERSHIP, SUPPORT, has_role


def can_work_tickets(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, SUPPORT))


def can_view_metrics(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, SUPPORT, LEADERSHIP))


def check_tickets(user) -> None:
    if not can_work_tickets(user):
        raise PermissionDenied("The ticket list is for the Support group.")


def check_metrics(user) -> None:
    if not can_view_metrics(user):
        raise PermissionDenied("The support metrics are for the Support and Leadership groups.")
