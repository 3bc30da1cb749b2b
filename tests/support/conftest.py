"""The support desk's matrix on the Payments API: P1 and P2 response and resolution indicators.

P1: first response within 15 minutes, resolution within 4 hours (24x7);
P2: response within 60 minutes, resolution within 8 hours, both in office hours.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.calendars.models import Calendar
from apps.catalog.choices import IndicatorKind
from apps.notifications.choices import ChannelKind
from apps.notifications.models import NotificationChannel
from apps.support.models import EscalationLevel, EscalationPolicy
from tests.factories import IndicatorFactory
from tests.notifications.receivers import PagerDutyReceiver, Running

# A Monday at 09:00 UTC: office hours in London (GMT in March before the change).
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def support_indicator(service, kind, priority, minutes, **fields):
    metric = "response" if kind == IndicatorKind.SUPPORT_RESPONSE else "resolution"
    indicator = IndicatorFactory.build(
        service=service,
        name=f"{priority} {metric}",
        kind=kind,
        priority=priority,
        threshold=Decimal(minutes),
        source="tickets",
        **fields,
    )
    indicator.full_clean()
    indicator.save()
    return indicator


@pytest.fixture
def office(db):
    return Calendar.objects.create(
        name="London office",
        timezone="Europe/London",
        hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )


@pytest.fixture
def p1_response(payments):
    return support_indicator(payments, IndicatorKind.SUPPORT_RESPONSE, "P1", 15)


@pytest.fixture
def p1_resolution(payments):
    return support_indicator(payments, IndicatorKind.SUPPORT_RESOLUTION, "P1", 240)


@pytest.fixture
def p2_response(payments, office):
    return support_indicator(payments, IndicatorKind.SUPPORT_RESPONSE, "P2", 60, calendar=office)


@pytest.fixture
def p2_resolution(payments, office):
    return support_indicator(payments, IndicatorKind.SUPPORT_RESOLUTION, "P2", 480, calendar=office)


@pytest.fixture
def matrix(p1_response, p1_resolution, p2_response, p2_resolution):
    return {
        ("P1", "response"): p1_response,
        ("P1", "resolution"): p1_resolution,
        ("P2", "response"): p2_response,
        ("P2", "resolution"): p2_resolution,
    }


# --- escalations: a PagerDuty receiver on loopback, the team's on-call channel, a policy ----


@pytest.fixture
def pagerduty(settings):
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    running = Running(PagerDutyReceiver())
    yield running.receiver
    running.stop()


@pytest.fixture
def on_call(payments_team, pagerduty):
    return NotificationChannel.objects.create(
        team=payments_team,
        kind=ChannelKind.PAGERDUTY,
        name="payments on-call",
        routing_key="R0UTINGKEY",
        events_url=f"{pagerduty.base_url}/v2/enqueue",
    )


@pytest.fixture
def policy(payments, on_call):
    policy = EscalationPolicy.objects.create(
        name="Payments desk", service=payments, lead_email="lead@example.com"
    )
    EscalationLevel.objects.create(
        policy=policy, position=1, metric="response", percent=Decimal("50"), notify_assignee=True
    )
    at_due = EscalationLevel.objects.create(
        policy=policy, position=2, metric="response", offset_minutes=0, notify_team_lead=True
    )
    at_due.channels.add(on_call)
    EscalationLevel.objects.create(
        policy=policy, position=3, metric="response", offset_minutes=60, reassign_to="Tier 2"
    )
    return policy
