"""Calendars and the support desk's actor."""

import pytest

from apps.calendars.models import Calendar
from apps.core.roles import SUPPORT
from tests.factories import UserFactory


@pytest.fixture
def sue(db):
    """Support lead: keeps the desk's calendars."""
    return UserFactory(username="sue", first_name="Sue", is_staff=True, roles=[SUPPORT])


@pytest.fixture
def london_desk(db):
    """England's office hours with the bank holidays."""
    return Calendar.objects.create(
        name="London desk",
        timezone="Europe/London",
        hours={
            "mon": [["09:00", "17:00"]],
            "tue": [["09:00", "17:00"]],
            "wed": [["09:00", "17:00"]],
            "thu": [["09:00", "17:00"]],
            "fri": [["09:00", "17:00"]],
            "sat": [],
            "sun": [],
        },
        holiday_country="GB",
        holiday_subdivision="ENG",
    )
