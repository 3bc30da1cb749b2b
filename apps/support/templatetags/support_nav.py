"""The navigation's support links: the ticket list and the live board for Support, the metrics
for leadership."""

from django import template
from django.urls import reverse

from ..access import can_view_metrics, can_work_tickets

register = template.Library()


@register.simple_tag
def support_links(user) -> list[tuple[str, str]]:
    links = []
    if can_work_tickets(user):
        links.append(("Tickets", reverse("support:tickets")))
        links.append(("Live board", reverse("support:board")))
    if can_view_metrics(user):
        links.append(("Support metrics", reverse("support:metrics")))
    return links
