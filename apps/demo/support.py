"""The demo's support desk: a calendar per region, helpdesk sources, and months of tickets.

LOCAL ONLY: the ``support`` demo user has the password ``covenant-demo``.

Tickets are made through the support services (``ticket_events_ingest``), so their clocks and
the SLI samples of the desk's indicators come from the same code as a helpdesk's. The ticket
histories are drawn from a seeded random generator: the same demo every run.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from apps.calendars.models import Calendar
from apps.contracts import services
from apps.contracts.models import Contract
from apps.demo.base import Demo, ensure
from apps.demo.contracts import Line, _add_line, _draft, _engineering_approves, _legal_signs
from apps.support.helpdesks.models import HelpdeskSource
from apps.support.models import Ticket
from apps.support.services import ticket_events_ingest

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


# --- the desk: helpdesk sources, a contract on England's hours, tickets ---------------------

# username of the demo's support agent (in PEOPLE); the tickets are assigned to these agents.
AGENTS = ["support@example.com", "heidi@example.com", "sam@example.com"]
TICKETS = 320
DAYS = 120
# priority: (weight, response minutes, resolution minutes), as the matrix's targets
PRIORITIES = {
    "P1": (10, 15, 240),
    "P2": (25, 60, 480),
    "P3": (40, 240, 1440),
    "P4": (25, 480, 2400),
}
SOURCES = [
    # slug, name, kind, demo secret, customer or None for "any customer"
    ("acme-jira", "Acme Jira Service Management", "jira_service_management", "Acme Corp"),
    ("zendesk-demo", "Zendesk", "zendesk", None),
]
DEMO_SECRET = "covenant-demo-webhook-secret"  # LOCAL ONLY, like the passwords
UK_CONTRACT = "INITECH-SUP-001"
UK_CUSTOMER = "Initech"


def seed_helpdesk_sources(demo: Demo) -> None:
    service = demo.services["support-desk"]
    for slug, name, kind, customer in SOURCES:
        mapping = {customer: demo.customers[customer].pk} if customer else {}
        _, created = HelpdeskSource.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "secret": DEMO_SECRET,
                "default_service": service,
                "customer_mapping": mapping,
            },
        )
        demo.count("helpdesk sources", created)


def seed_support_contract(demo: Demo) -> None:
    """Initech buys P2 and P3 support on England's hours: its tickets' business-hours clocks run
    on London's calendar, not New York's."""
    if Contract.objects.filter(number=UK_CONTRACT).exists():
        return
    contract = _draft(
        demo,
        UK_CONTRACT,
        UK_CUSTOMER,
        "Support desk, England hours",
        "4800",
        [],
    )
    for name, target in (
        ("P2 first response within 60 min", "90"),
        ("P2 resolution within 480 min", "85"),
        ("P3 first response within 240 min", "85"),
        ("P3 resolution within 1440 min", "80"),
    ):
        _add_line(demo, contract, Line("support-desk", name, target, 2))
    # The support calendar is a term of the draft; the contract services do not edit it yet.
    contract.support_calendar = demo.calendars["england"]
    contract._history_user = demo.users["alice"]
    contract._change_reason = "Support hours: the customer's, in London."
    contract.save(update_fields=["support_calendar"])
    services.contract_submit(contract=contract, user=demo.users["alice"])
    _engineering_approves(demo, contract, comment="The desk's SLOs back these targets.")
    _legal_signs(demo, contract)


def _ticket_events(rng, number: int, now, customers: list[str]) -> list[dict]:
    """One ticket's history: created, replied to, paused, solved, sometimes reopened, its
    priority sometimes raised; events that would fall after ``now`` are not sent (the ticket is
    still open, its clocks running)."""
    priorities = list(PRIORITIES)
    priority = rng.choices(priorities, weights=[PRIORITIES[p][0] for p in priorities])[0]
    _, response, resolution = PRIORITIES[priority]
    # Most tickets arrive in New York's working day; the newest ones in the last hours.
    age = timedelta(days=rng.uniform(0, DAYS)) if number > 24 else timedelta(hours=number * 1.5)
    created = (now - age).replace(second=0, microsecond=0)
    if priority != "P1" and number > 24:
        created = created.replace(hour=rng.randint(13, 21))
    roll = rng.random()
    if roll < 0.4:
        source, customer = "acme-jira", "Acme Corp"
    elif roll < 0.7:
        source, customer = "zendesk-demo", rng.choice(customers)
    else:
        source, customer = "builtin", rng.choice([*customers, UK_CUSTOMER, UK_CUSTOMER, None])
    external = {"acme-jira": f"SUP-{1000 + number}", "builtin": f"B-{number + 1}"}.get(
        source, str(1000 + number)
    )
    events = [
        (
            created,
            "created",
            {
                "service": "support-desk",
                "customer": customer,
                "priority": priority,
                "status": "open",
                "subject": rng.choice(SUBJECTS),
            },
        ),
        (created + timedelta(minutes=rng.randint(1, 5)), "assigned", rng.choice(AGENTS)),
    ]

    def later(base, minutes):
        return base + timedelta(minutes=max(1, minutes))

    # Business-hours targets stretch over nights and weekends: scale wall time up for them.
    stretch = 1 if priority == "P1" else 2.5
    replied = later(created, response * stretch * rng.lognormvariate(-0.9, 0.8))
    events.append((replied, "public_reply", None))
    moment = replied
    if rng.random() < 0.06 and priority in ("P3", "P2"):
        raised = "P2" if priority == "P3" else "P1"
        moment = later(created, rng.randint(5, 30))
        events.append((moment, "priority", raised))
        _, response, resolution = PRIORITIES[raised]
        moment = max(moment, replied)
    if rng.random() < 0.3:
        moment = later(moment, rng.randint(10, 240))
        events.append((moment, "status", "pending_customer"))
        moment = later(moment, rng.randint(60, 3 * 1440))
        events.append((moment, "status", "open"))
    elif rng.random() < 0.08:
        moment = later(moment, rng.randint(10, 120))
        events.append((moment, "status", "on_hold"))
        moment = later(moment, rng.randint(120, 2 * 1440))
        events.append((moment, "status", "open"))
    if rng.random() < 0.2:
        events.append((later(moment, rng.randint(5, 60)), "comment", "Checked the logs."))
    solved = later(moment, resolution * stretch * rng.lognormvariate(-0.8, 0.7))
    events.append((solved, "status", "solved"))
    if rng.random() < 0.08:
        reopened = later(solved, rng.randint(60, 2 * 1440))
        events.append((reopened, "status", "open"))
        events.append((later(reopened, rng.randint(30, resolution)), "status", "solved"))
    if rng.random() < 0.35:
        events.append((later(events[-1][0], rng.randint(3 * 1440, 7 * 1440)), "status", "closed"))
    return [
        {
            "source": source,
            "external_id": external,
            "event_id": f"demo-{number}-{index}",
            "at": at,
            "type": kind,
            "value": value,
        }
        for index, (at, kind, value) in enumerate(events)
        if at <= now
    ]


SUBJECTS = [
    "Card payments declined at checkout",
    "Refund not showing on the statement",
    "API returns 502 for a few requests",
    "Invoice totals do not match the ledger",
    "Cannot reset a user's MFA",
    "Export to CSV times out",
    "Webhook deliveries delayed",
    "Question about the rate limits",
    "Search results missing new products",
    "Single sign-on loops back to the login page",
]


def seed_tickets(demo: Demo) -> None:
    """A few hundred tickets over the last months through the bulk ingestion, in every state:
    met and breached clocks, pauses, reopens, raised priorities, and the newest still open."""
    if Ticket.objects.exists():
        return
    rng = random.Random("covenant-demo-support")
    now = timezone.now()
    customers = [name for name in demo.customers if name != UK_CUSTOMER]
    events = []
    for number in range(TICKETS):
        events += _ticket_events(rng, number, now, customers)
    result = ticket_events_ingest(events=events, now=now)
    demo.created["tickets"] = Ticket.objects.count()
    demo.created["ticket events"] = result.created


def seed_support_desk(demo: Demo) -> None:
    seed_helpdesk_sources(demo)
    seed_support_contract(demo)
    seed_tickets(demo)
