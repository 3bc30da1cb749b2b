"""Lines in review for the admin tests."""

from decimal import Decimal

import pytest

from apps.contracts import services


@pytest.fixture
def in_review_line(alice, contract, availability, slo):
    """An ALIGNED 99.8 % line on the 99.9 % SLO, submitted by alice."""
    line = services.commitment_create(
        contract=contract, user=alice, indicator=availability, target=Decimal("99.8")
    )
    services.contract_submit(contract=contract, user=alice)
    return line


@pytest.fixture
def mismatch_line(alice, contract, availability, slo):
    """99.99 % promised on a 99.9 % SLO, submitted and waiting for engineering."""
    line = services.commitment_create(
        contract=contract, user=alice, indicator=availability, target=Decimal("99.99")
    )
    services.contract_submit(contract=contract, user=alice)
    return line
