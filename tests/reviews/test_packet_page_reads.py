"""The packet page reads as sentences and labels: evidence, states, sign-offs of all roles that
sign, and a month still running when the packet was made."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from apps.reviews.choices import PacketScope, SignOffRole

from .conftest import open_cycle, packet_of


@pytest.fixture
def web(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def test_evidence_reads_as_sentences_not_python(web, bob, service_packet):
    html = web(bob).get(reverse("reviews:packet-detail", args=[service_packet.pk])).content.decode()
    assert (
        "Evidence: Target 99.9 %. Missed in 2025-02 (99.7 %), 2025-03 (98.9 %). Attainment in the "
        "last quarters: Q1 2025 99.5 %, Q2 2025 100 %, Q3 2025 100 %, Q4 2025 100 %." in html
    )
    assert (
        "Evidence: Target 99.8 %. Breached in 2025-02 (99.7 %), 2025-03 (98.9 %). Credits "
        "owed 3,500.00 EUR." in html
    )
    for raw in ("quarters = [", "slo_id =", "{&#x27;attainment", "commitment_id"):
        assert raw not in html


def test_states_and_periods_show_their_labels(web, carol, service_packet, customer_packet):
    service = web(carol).get(reverse("reviews:packet-detail", args=[service_packet.pk]))
    assert "(rolling 30 days, active)" in service.content.decode()
    assert "Availability ≥ 99.8 % per calendar month" in service.content.decode()
    customer = web(carol).get(reverse("reviews:packet-detail", args=[customer_packet.pk]))
    assert "ACME-001 r1 <small>(signed, 10,000.00 EUR/month" in customer.content.decode()


def test_breach_column_says_which_rule_made_it(web, carol, service_packet):
    html = (
        web(carol).get(reverse("reviews:packet-detail", args=[service_packet.pk])).content.decode()
    )
    assert html.count("<strong>breached: below 99.8 % target</strong>") == 2


def test_cycle_list_counts_sign_offs_against_every_role_that_signs(web, carol, service_packet):
    html = web(carol).get(reverse("reviews:cycle-list")).content.decode()
    roles = ", ".join(role.label for role in SignOffRole)
    assert f'title="Signed off by: {roles}">0 of {len(SignOffRole)}</td>' in html
    assert "/4" not in html


def test_month_still_running_is_marked_partial(
    web, carol, reviewed, dave, payments, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime(2025, 12, 15, 12, tzinfo=UTC), tick=False):
        cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)
    packet = packet_of(cycle, PacketScope.SERVICE, payments.pk)
    html = web(carol).get(reverse("reviews:packet-detail", args=[packet.pk])).content.decode()
    # December's SLO row and SLA period, and only they.
    assert html.count("partial (to 2025-12-15)") == 2
    assert '<td>yes <em class="partial">partial (to 2025-12-15)</em></td>' in html
