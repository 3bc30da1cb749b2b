"""The demo's support desk: a calendar per region, helpdesk sources, and months of tickets.

LOCAL ONLY: the ``support`` demo user has the password ``covenant-demo``.

Tickets are made through the support services (``ticket_events_ingest``), so their clocks and
the SLI samples of the desk's indicators come from the same code as a helpdesk's. The ticket
histories are drawn from a seeded random generator: the same demo every run.
"""

from __future__ import annotations

from apps.calendars.models import Calendar
from apps.demo.base import Demo, ensure

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE_HOURS = {day: [["09:00", "17:00"]] for day in WEEKDAYS} | {"sat": [], "sun": []}
# key, name, IANA zone, holiday country, subdivision
CALENDARS = [
    ("us", "US support hours (New York)", "America/New_York", "US", ""),
    ("england", "England support hours (London)", "Europe/London", "GB", "ENG"),
]


def seed_calendars(demo: Demo) -> None:
    """Weekdays 09:00-17:00 in New York with US federal holidays, and in London with England's
    bank holidays: the business hours of the P2-P4 clocks."""
    admin = demo.users["admin"]
    for key, name, zone, country, subdivision in CALENDARS:
        calendar, created = ensure(
            Calendar,
            user=admin,
            reason="Support hours of the region.",
            defaults={
                "timezone": zone,
                "hours": OFFICE_HOURS,
                "holiday_country": country,
                "holiday_subdivision": subdivision,
            },
            name=name,
        )
        demo.calendars[key] = calendar
        demo.count("calendars", created)
