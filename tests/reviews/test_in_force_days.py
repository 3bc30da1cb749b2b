"""The days a contract revision binds, which decide the periods its lines count in a packet."""

from datetime import UTC, date, datetime

import pytest

from apps.contracts.choices import ContractStatus
from apps.reviews import selectors
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_a_superseded_revision_binds_until_the_day_before_its_amendment_was_signed(alice, acme):
    first = ContractFactory(
        customer=acme,
        owner=alice,
        number="ACME-SUP",
        status=ContractStatus.SUPERSEDED,
        start_date=date(2025, 1, 1),
    )
    ContractFactory(
        customer=acme,
        owner=alice,
        number="ACME-SUP",
        revision=2,
        previous_revision=first,
        status=ContractStatus.SIGNED,
        start_date=date(2025, 1, 1),
        signed_at=datetime(2025, 6, 10, 12, 0, tzinfo=UTC),
    )
    first.refresh_from_db()

    assert selectors.in_force_days(first) == (date(2025, 1, 1), date(2025, 6, 9))
