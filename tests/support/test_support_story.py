"""End to end: tickets → clocks → hourly SLI samples → a contract's support line in its review.

Acme's signed contract promises that 90 % of P1 tickets get a first response within 15 minutes
each month, with credits of 10 % of the 10 000 EUR fee in [80, 90) and 25 % below 80.
January 2025: 9 of 10 P1 tickets answered in time (90 %: met, no credit). February: 8 of 10
(80 %: breached, 1 000.00 owed); one of its late answers came in a late event that turned a
met clock into a breached one, and one ticket answered in time arrived out of order.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from apps.contracts.choices import ContractStatus
from apps.measurements.models import SLISample
from apps.reviews.choices import PacketScope
from apps.support import services
from apps.support.models import TicketClock
from tests.factories import CommitmentFactory, ContractFactory, CreditScheduleFactory, SLOFactory
from tests.reviews.conftest import open_cycle, packet_of

MINUTE = timedelta(minutes=1)


def ticket_events(number: int, created: datetime, reply_after: timedelta) -> list[dict]:
    base = {"source": "zendesk", "external_id": str(number)}
    return [
        {
            **base,
            "event_id": f"{number}-1",
            "at": created.isoformat(),
            "type": "created",
            "value": {"service": "payments-api", "priority": "P1", "customer": "Acme Corp"},
        },
        {
            **base,
            "event_id": f"{number}-2",
            "at": (created + reply_after).isoformat(),
            "type": "public_reply",
        },
        {
            **base,
            "event_id": f"{number}-3",
            "at": (created + 2 * reply_after + MINUTE).isoformat(),
            "type": "status",
            "value": "solved",
        },
    ]


def test_support_tickets_reach_the_contracts_attainment_and_credits_in_its_review(
    alice, acme, dave, payments, matrix, django_capture_on_commit_callbacks
):
    response = matrix[("P1", "response")]
    SLOFactory(indicator=response, target=Decimal("95"))
    schedule = CreditScheduleFactory(
        name="Support credits",
        tiers=[(Decimal("80"), Decimal("90"), Decimal("10")), (None, Decimal("80"), Decimal("25"))],
    )
    contract = ContractFactory(
        customer=acme,
        owner=alice,
        number="ACME-SUP",
        status=ContractStatus.SIGNED,
        start_date=date(2024, 6, 1),
    )
    line = CommitmentFactory(
        contract=contract, indicator=response, target=Decimal("90"), credit_schedule=schedule
    )

    events = []
    for n in range(10):  # January: the last one answered after 30 minutes
        created = datetime(2025, 1, 6 + n, 10, 0, tzinfo=UTC)
        events += ticket_events(100 + n, created, (30 if n == 9 else 10) * MINUTE)
    for n in range(10):  # February: the last two answered late
        created = datetime(2025, 2, 3 + n, 14, 30, tzinfo=UTC)
        events += ticket_events(200 + n, created, (45 if n >= 8 else 5) * MINUTE)
    late_reply = next(e for e in events if e["event_id"] == "209-2")
    events.remove(late_reply)
    early = [e for e in events if e["external_id"] == "205"]
    rest = [e for e in events if e["external_id"] != "205"]
    assert services.ticket_events_ingest(events=rest) == (len(rest), 0)
    # Ticket 205 arrives solved before it is created, and 209's reply arrives after its solve.
    assert services.ticket_events_ingest(events=early[::-1]) == (3, 0)
    first_209 = TicketClock.objects.get(ticket__external_id="209", metric="response")
    assert (first_209.state, first_209.stopped_at.minute) == (
        "breached",
        1,
    )  # stopped by the solve at 16:01
    assert services.ticket_events_ingest(events=[late_reply]) == (1, 0)

    samples = SLISample.objects.filter(indicator=response)
    january = samples.filter(start__month=1)
    assert sum(s.total for s in january) == 10 and sum(s.good for s in january) == 9
    february = samples.filter(start__month=2)
    assert sum(s.total for s in february) == 10 and sum(s.good for s in february) == 8
    assert {t.contract_id for t in contract.tickets.all()} == {contract.pk}
    assert contract.tickets.count() == 20

    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave, year=2025)
    packet = packet_of(cycle, PacketScope.SERVICE, payments.pk)
    (sla,) = [s for s in packet.data["slas"] if s["commitment_id"] == line.pk]
    periods = {p["start"]: p for p in sla["periods"]}
    assert periods["2025-01-01"]["attainment"] == "90.0000"
    assert periods["2025-01-01"]["breached"] is False
    assert periods["2025-02-01"]["attainment"] == "80.0000"
    assert periods["2025-02-01"]["breached"] is True
    assert periods["2025-02-01"]["credit_amount"] == "1000.00"
    assert sla["credits_owed"] == "1000.00"
    customer_packet = packet_of(cycle, PacketScope.CUSTOMER, acme.pk)
    assert customer_packet.data["credits_owed"] == {"EUR": "1000.00"}
