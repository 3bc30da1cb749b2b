"""High-priority tickets page the owning engineering team only while its error budget is spent
(the P1-spent and P3 cases are in test_escalation_api)."""

from datetime import timedelta

import pytest

from apps.measurements.models import SLISample
from apps.notifications.choices import ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.support.models import TicketClock

from .conftest import T0
from .test_escalations import _evaluate, _ticket


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("priority", "good", "paged"),
    [("P2", 900, True), ("P1", 1000, False)],
    ids=["p2-budget-spent", "p1-budget-left"],
)
def test_engineering_is_paged_for_p1_and_p2_only_while_the_budget_is_spent(
    payments,
    availability,
    slo,
    matrix,
    policy,
    pagerduty,
    payments_team,
    priority,
    good,
    paged,
    django_capture_on_commit_callbacks,
):
    engineering = NotificationChannel.objects.create(
        team=payments_team,
        kind=ChannelKind.PAGERDUTY,
        name="payments engineering",
        routing_key="ENGINEERING",
        events_url=f"{pagerduty.base_url}/v2/enqueue",
    )
    SLISample.objects.create(
        indicator=availability,
        start=T0 - timedelta(hours=2),
        end=T0 - timedelta(hours=1),
        good=good,
        total=1000,
    )
    ticket = _ticket(payments, priority=priority)

    # Level 1 sits at half the response target: 7.5 minutes for P1, 30 for P2.
    _evaluate(T0 + timedelta(minutes=31), django_capture_on_commit_callbacks)

    clock = TicketClock.objects.get(ticket=ticket, metric="response")
    assert clock.escalations.get(position=1).actions["paged_engineering"] is paged
    pages = NotificationDelivery.objects.filter(channel=engineering, role="engineering")
    assert pages.count() == (1 if paged else 0)
    routing = [r.json()["routing_key"] for r in pagerduty.accepted("trigger")]
    assert ("ENGINEERING" in routing) is paged
