from django import template

from apps.dashboards import access

register = template.Library()


@register.simple_tag
def dashboards_home(user):
    """The navigation's Dashboards link for this user, or "" when they may read none."""
    return access.home_url(user) or ""
