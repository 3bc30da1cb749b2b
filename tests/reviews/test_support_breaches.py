"""Review packets count the support desk's breaches by the cause their support lead gave, per
quarter of the year, with those still waiting for a cause; the page, the PDF and the CSV show
them. Packets of services without support indicators hold no such section."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.catalog.choices import IndicatorKind
from apps.reviews import exports
from apps.reviews.choices import PacketScope
from apps.support.models import BreachCause, BreachReview, Ticket, TicketClock
from tests.factories import IndicatorFactory, ServiceFactory

from .conftest import YEAR, open_cycle, packet_of
from .test_packet_pdf_pages import body, flat, pdf_pages

pytestmark = pytest.mark.django_db


def _breach(service, customer, number, created, *, state="breached", cause=None, user=None):
    """A ticket with one response clock, breached unless said otherwise, and its cause."""
    indicator = service.indicators.get(kind=IndicatorKind.SUPPORT_RESPONSE)
    ticket = Ticket.objects.create(
        source="api",
        external_id=f"T-{number}",
        service=service,
        customer=customer,
        priority="P1",
        created_at=created,
    )
    clock = TicketClock.objects.create(
        ticket=ticket,
        indicator=indicator,
        metric="response",
        priority="P1",
        state=state,
        started_at=created,
        due_at=created + timedelta(minutes=15),
        target_seconds=900,
        breached=state == "breached" or state == "cancelled",
        computed_at=created,
    )
    if cause is not None:
        BreachReview.objects.create(clock=clock, cause=cause, recorded_by=user)
    return clock


@pytest.fixture
def breaches(reviewed, payments, acme, dave):
    """On the Payments API, for Acme: in Q1 two breaches understaffed and one not analysed,
    in Q3 one waiting on engineering; a met clock, a cancelled one and last year's breach do
    not count."""
    IndicatorFactory(service=payments, name="P1 response", kind=IndicatorKind.SUPPORT_RESPONSE)
    understaffed = BreachCause.objects.create(name="Understaffed")
    engineering = BreachCause.objects.create(name="Waiting on engineering")
    jan = datetime(YEAR, 1, 10, 9, tzinfo=UTC)
    _breach(payments, acme, 1, jan, cause=understaffed, user=dave)
    _breach(payments, acme, 2, jan + timedelta(days=40), cause=understaffed, user=dave)
    _breach(payments, acme, 3, jan + timedelta(days=50))
    _breach(payments, acme, 4, datetime(YEAR, 8, 3, 9, tzinfo=UTC), cause=engineering, user=dave)
    _breach(payments, acme, 5, datetime(YEAR, 8, 4, 9, tzinfo=UTC), state="met")
    _breach(payments, acme, 6, datetime(YEAR, 8, 5, 9, tzinfo=UTC), state="cancelled")
    _breach(
        payments, acme, 7, datetime(YEAR - 1, 12, 30, 9, tzinfo=UTC), cause=understaffed, user=dave
    )


EXPECTED = {
    "breaches": 4,
    "unanalysed": 1,
    "causes": [
        {"cause": "Understaffed", "count": 2},
        {"cause": "Waiting on engineering", "count": 1},
    ],
    "quarters": [
        {"start": "2025-01-01", "breaches": 3, "unanalysed": 1, "causes": {"Understaffed": 2}},
        {"start": "2025-04-01", "breaches": 0, "unanalysed": 0, "causes": {}},
        {
            "start": "2025-07-01",
            "breaches": 1,
            "unanalysed": 0,
            "causes": {"Waiting on engineering": 1},
        },
        {"start": "2025-10-01", "breaches": 0, "unanalysed": 0, "causes": {}},
    ],
}


@pytest.fixture
def quiet(db):
    return ServiceFactory(slug="quiet")  # no support indicator: no section


@pytest.fixture
def support_cycle(breaches, quiet, dave, django_capture_on_commit_callbacks):
    return open_cycle(django_capture_on_commit_callbacks, user=dave)


def test_service_and_customer_packets_count_the_years_breaches_by_cause_per_quarter(
    support_cycle, payments, acme
):
    service = packet_of(support_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(support_cycle, PacketScope.CUSTOMER, acme.pk)
    assert service.data["support_breaches"] == EXPECTED
    assert customer.data["support_breaches"] == EXPECTED


def test_a_service_without_support_indicators_has_no_support_section(support_cycle, quiet):
    packet = packet_of(support_cycle, PacketScope.SERVICE, quiet.pk)
    assert "support_breaches" not in packet.data
    assert exports.packet_context(packet)["support_breaches"] is None
    assert not [row for row in exports.csv_rows(packet.data) if row[0] == "support_breaches"]


def test_packet_page_csv_and_pdf_show_the_breaches_by_cause(client, bob, support_cycle, payments):
    packet = packet_of(support_cycle, PacketScope.SERVICE, payments.pk)
    client.force_login(bob)
    page = client.get(f"/reviews/packets/{packet.pk}/").content.decode()
    assert "Support breaches by cause" in page
    assert "Waiting on engineering" in page and "Not analysed yet" in page

    rows = exports.csv_rows(packet.data)
    assert ["support_breaches", "Understaffed", "2025-01-01", "breaches", 2] in rows
    assert ["support_breaches", "", "2025-01-01", "unanalysed", 1] in rows
    assert ["support_breaches", "", "", "breaches", 4] in rows

    pages = pdf_pages(exports.packet_pdf(packet, []), "support-breaches")
    assert all(body(text) for text in pages), "no blank page"
    text = flat(" ".join(pages))
    assert "Support breaches by cause" in text
    assert "Understaffed" in text and "Not analysed yet" in text
