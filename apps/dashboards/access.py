"""Who may read the dashboards: the one place the role rules of this app live.

The portfolio and the lists behind its figures are leadership's (and superusers'); the per
service and per customer drill-downs are also open to engineering and legal, who see every
contract anyway. Sales and people without a role get 403.
"""

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, has_role


def can_view_portfolio(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_role(user, LEADERSHIP))


def can_view_drilldowns(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or has_role(user, LEADERSHIP, ENGINEERING, LEGAL)
    )


def check_portfolio(user) -> None:
    if not can_view_portfolio(user):
        raise PermissionDenied("The portfolio dashboard is for leadership.")


def check_drilldowns(user) -> None:
    if not can_view_drilldowns(user):
        raise PermissionDenied(
            "The service and customer dashboards are for leadership, engineering and legal."
        )


def home_url(user) -> str | None:
    """Where the navigation's Dashboards link leads this user, or None for no link."""
    if can_view_portfolio(user):
        return reverse("dashboards:portfolio")
    if can_view_drilldowns(user):
        return reverse("dashboards:index")
    return None
