"""A reviewed year (2025) of measurements for the Payments API and Acme's signed contract.

Availability per month, one bucket each (good / total):
Jan 9 990 / 10 000 = 99.9 %, Feb 9 970 / 10 000 = 99.7 %, Mar 9 890 / 10 000 = 98.9 %,
Apr–Dec 10 000 / 10 000 = 100 %. SLO 99.9 %, SLA 99.8 % monthly, fee 10 000 EUR, credits
[99.0, 99.8) → 10 %, [95.0, 99.0) → 25 %, below 95 → 100 %.
By hand: the SLA is breached in Feb (10 % = 1 000.00) and Mar (25 % = 2 500.00): 3 500.00 owed.
The SLO is missed in Feb and Mar; over the year 119 850 / 120 000 = 99.875 %, budget used 1.25.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from apps.contracts.choices import ContractStatus
from apps.measurements.models import SLISample
from apps.reviews import services
from apps.reviews.choices import PacketScope
from apps.reviews.models import ReviewPacket
from tests.factories import CommitmentFactory, ContractFactory, CreditScheduleFactory

YEAR = 2025
MONTHLY_GOOD = [9990, 9970, 9890] + [10000] * 9


def add_samples(indicator, goods, total=10000, year=YEAR):
    SLISample.objects.bulk_create(
        [
            SLISample(
                indicator=indicator,
                start=datetime(year, month, 1, tzinfo=UTC),
                end=datetime(year, month, 1, tzinfo=UTC) + timedelta(days=1),
                good=good,
                total=total,
            )
            for month, good in enumerate(goods, start=1)
        ]
    )


@pytest.fixture
def review_schedule(db):
    return CreditScheduleFactory(
        name="Review credits",
        tiers=[
            (Decimal("99.0"), Decimal("99.8"), Decimal("10")),
            (Decimal("95.0"), Decimal("99.0"), Decimal("25")),
            (None, Decimal("95.0"), Decimal("100")),
        ],
    )


@pytest.fixture
def signed_contract(alice, acme):
    return ContractFactory(
        customer=acme,
        owner=alice,
        number="ACME-001",
        status=ContractStatus.SIGNED,
        start_date=date(2024, 6, 1),
        renewal_date=date(2026, 6, 1),
    )


@pytest.fixture
def signed_line(signed_contract, availability, slo, review_schedule):
    return CommitmentFactory(
        contract=signed_contract,
        indicator=availability,
        target=Decimal("99.8"),
        credit_schedule=review_schedule,
    )


@pytest.fixture
def year_of_samples(availability):
    add_samples(availability, MONTHLY_GOOD)


@pytest.fixture
def reviewed(signed_line, year_of_samples):
    """Everything the 2025 review of the Payments API and Acme reads."""
    return signed_line


def open_cycle(capture, user=None, year=YEAR):
    """Open a cycle and run what it enqueues after commit (eager Celery in the tests)."""
    with capture(execute=True):
        cycle = services.review_cycle_open(year=year, user=user)
    cycle.refresh_from_db()
    return cycle


def packet_of(cycle, scope, scope_id, version=None) -> ReviewPacket:
    packets = ReviewPacket.objects.filter(cycle=cycle, scope=scope, scope_id=scope_id)
    if version is None:
        return packets.order_by("-version").first()
    return packets.get(version=version)


@pytest.fixture
def cycle(reviewed, dave, django_capture_on_commit_callbacks):
    return open_cycle(django_capture_on_commit_callbacks, user=dave)


@pytest.fixture
def service_packet(cycle, payments):
    return packet_of(cycle, PacketScope.SERVICE, payments.pk)


@pytest.fixture
def customer_packet(cycle, acme):
    return packet_of(cycle, PacketScope.CUSTOMER, acme.pk)


@pytest.fixture
def web(client):
    """The test client logged in as the given user: ``web(alice).get(...)``."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user
