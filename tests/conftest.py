"""Named actors and a small catalog shared by the whole suite.

alice: sales · bob: engineering on the Payments team · erin: engineering on another team
carol: legal · dave: leadership · mallory: logged in, no role.
"""

import os
import sys
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.catalog.choices import IndicatorKind
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, SALES

from .factories import (
    CommitmentFactory,
    ContractFactory,
    CreditScheduleFactory,
    CustomerFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
    TeamFactory,
    UserFactory,
)

REQUIRE_SERVICES = os.environ.get("COVENANT_REQUIRE_SERVICES") == "1"

# browser, page and screenshot fixtures for the tests that drive headless Chromium.
pytest_plugins = ["tests.browser"]


def require(condition: bool, why: str) -> None:
    """Skip (locally) or fail (in CI, where every service must be there) when a need is unmet."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{why} — CI must provide it (COVENANT_REQUIRE_SERVICES=1)")
    pytest.skip(why)


@pytest.fixture(autouse=True)
def _clear_memoised_functions():
    """No test sees what an earlier one memoised: every ``functools`` cache in the apps is
    emptied before each test."""
    for name, module in list(sys.modules.items()):
        if name.startswith("apps.") and module is not None:
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()


@pytest.fixture
def postgres(db):
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", roles=[SALES])


@pytest.fixture
def bob(db, payments_team):
    user = UserFactory(username="bob", first_name="Bob", is_staff=True, roles=[ENGINEERING])
    payments_team.members.add(user)
    return user


@pytest.fixture
def erin(db, search_team):
    user = UserFactory(username="erin", first_name="Erin", is_staff=True, roles=[ENGINEERING])
    search_team.members.add(user)
    return user


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", first_name="Carol", is_staff=True, roles=[LEGAL])


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", first_name="Dave", is_staff=True, roles=[LEADERSHIP])


@pytest.fixture
def mallory(db):
    return UserFactory(username="mallory")


@pytest.fixture
def payments_team(db):
    return TeamFactory(name="Payments")


@pytest.fixture
def search_team(db):
    return TeamFactory(name="Search")


@pytest.fixture
def payments(payments_team):
    return ServiceFactory(slug="payments-api", name="Payments API", team=payments_team)


@pytest.fixture
def availability(payments):
    return IndicatorFactory(service=payments, name="Availability", kind=IndicatorKind.AVAILABILITY)


@pytest.fixture
def latency(payments):
    return IndicatorFactory(
        service=payments,
        name="Latency p99 under 300 ms",
        kind=IndicatorKind.LATENCY,
        threshold=Decimal("300"),
        unit="ms",
    )


@pytest.fixture
def slo(availability):
    """Engineering's internal objective: 99.9 % availability."""
    return SLOFactory(indicator=availability, target=Decimal("99.9"))


@pytest.fixture
def acme(db):
    return CustomerFactory(name="Acme Corp")


@pytest.fixture
def schedule(db):
    return CreditScheduleFactory(name="Standard cloud credits")


@pytest.fixture
def contract(alice, acme):
    return ContractFactory(customer=acme, owner=alice, number="ACME-001")


@pytest.fixture
def aligned_line(contract, availability, slo, schedule):
    """99.8 % on a 99.9 % SLO: exactly the 2.0 budget ratio the default policy asks."""
    return CommitmentFactory(
        contract=contract, indicator=availability, target=Decimal("99.8"), credit_schedule=schedule
    )


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
