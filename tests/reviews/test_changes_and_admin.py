"""The year's changes from history in the service packet, the pure builder's properties, admin."""

from datetime import date
from decimal import Decimal

import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from apps.reviews import packets, selectors
from apps.reviews.models import ReviewCycle
from apps.reviews.packets import Counts
from tests.factories import CommitmentFactory, SLOFactory

from .conftest import YEAR


def _edit(instance, user, reason, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


def test_service_packet_lists_the_years_changes_with_who_when_before_and_after(
    payments, availability, bob, dave, review_schedule, signed_contract
):
    with time_machine.travel("2024-11-01 09:00Z", tick=False):
        slo = SLOFactory(indicator=availability, target=Decimal("99.9"))
        line = CommitmentFactory(
            contract=signed_contract, indicator=availability, target=Decimal("99.5")
        )
    with time_machine.travel("2025-03-10 12:00Z", tick=False):
        _edit(slo, bob, "Faster failover shipped.", target=Decimal("99.95"))
    with time_machine.travel("2025-07-01 08:00Z", tick=False):
        _edit(line, dave, "Renegotiated.", credit_schedule=review_schedule)
    with time_machine.travel("2026-02-01 08:00Z", tick=False):
        _edit(slo, bob, "After the reviewed year.", target=Decimal("99.99"))

    changes = selectors.service_packet_data(payments.pk, YEAR)["changes"]
    summary = [(c["model"], c["user"], c["changed_at"][:10], c["reason"]) for c in changes]
    assert summary == [
        ("slo", "bob", "2025-03-10", "Faster failover shipped."),
        ("commitment", "dave", "2025-07-01", "Renegotiated."),
    ]
    assert changes[0]["changes"]["target"] == ["99.9000", "99.9500"]
    assert changes[1]["changes"]["credit_schedule"] == [None, review_schedule.pk]


month_counts = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 1000)).map(lambda t: (min(t), max(t))),
    min_size=12,
    max_size=12,
)


@given(month_counts, st.decimals("90", "99.999", places=3))
def test_credits_owed_is_the_sum_of_period_credits_and_breaches_are_misses(counts, target):
    months = [Counts(date(YEAR, m, 1), good, total) for m, (good, total) in enumerate(counts, 1)]
    line = packets.LineFigures(
        commitment_id=1,
        contract_id=1,
        contract_number="C",
        revision=1,
        customer_id=1,
        customer="X",
        service_id=1,
        service="S",
        indicator_id=1,
        indicator="A",
        target=target,
        period="month",
        monthly_fee=Decimal("1234.56"),
        currency="EUR",
        tiers=[packets.credits.Tier(None, target, Decimal("10"))],
        cap_percent=None,
        in_force_from=date(2020, 1, 1),
        in_force_until=None,
        months=months,
        buffer=packets.BufferFigures(verdict="NO_SLO", reasons=[]),
    )
    section = packets.line_section(line)
    owed = sum(Decimal(p["credit_amount"]) for p in section["periods"])
    assert Decimal(section["credits_owed"]) == owed
    misses = sum(1 for m in months if m.total and m.attainment < target)
    assert section["breaches"] == misses
    assert packets.content_hash(section) == packets.content_hash(dict(reversed(section.items())))


def test_admin_lists_progress_and_opens_a_cycle(client, dave, reviewed):
    dave.is_staff = True
    dave.save()
    client.force_login(dave)
    response = client.post(reverse("admin:reviews_reviewcycle_open"), {"year": YEAR}, follow=True)
    assert response.status_code == 200
    assert ReviewCycle.objects.filter(year=YEAR).exists()
    page = client.get(reverse("admin:reviews_reviewcycle_changelist")).content.decode()
    assert "0 / 2" in page  # packets pending: no worker ran in this test
    assert "Open review cycle" in page


def test_admin_open_is_refused_to_others(client, bob):
    client.force_login(bob)
    assert client.get(reverse("admin:reviews_reviewcycle_open")).status_code == 403
