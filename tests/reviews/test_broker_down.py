"""With the broker down, what committed answers success; the sweep sends it once it is back.

The broker is a closed port: Celery cannot hand it a message. Transactional tests, so that the
enqueue runs after a real commit, inside the request, as in production.
"""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.reviews import generation, services, tasks
from apps.reviews.choices import CycleStatus, PacketScope, PacketStatus
from apps.reviews.models import ReviewCycle, ReviewPacket
from tests.broker import celery_broker, free_port
from tests.conftest import api_as

from .conftest import YEAR, packet_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_down():
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def _sweep_later():
    """The schedule's sweep, once the broker is back and the tasks count as lost."""
    later = timezone.now() + generation.lost_after() + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        return tasks.resume_stalled_cycles.apply().get()


def test_opening_a_cycle_with_the_broker_down_answers_201_and_is_generated_later(
    reviewed, dave, payments, acme, broker_down, caplog
):
    with caplog.at_level(logging.WARNING, logger="apps.reviews.services"):
        response = api_as(dave).post("/api/v1/review-cycles/", {"year": YEAR}, format="json")

    assert response.status_code == 201, response.content
    cycle = ReviewCycle.objects.get(year=YEAR)
    assert cycle.status == CycleStatus.GENERATING
    assert set(cycle.packets.values_list("status", flat=True)) == {PacketStatus.PENDING}
    assert "the broker refused it; the stalled-cycle sweep sends it again" in caplog.text
    # Asking again is refused as a duplicate: the first request did open the cycle.
    again = api_as(dave).post("/api/v1/review-cycles/", {"year": YEAR}, format="json")
    assert again.status_code == 409


def test_a_cycle_the_broker_never_got_is_generated_by_the_sweep_once_it_is_back(
    reviewed, dave, payments, acme
):
    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        cycle = services.review_cycle_open(year=YEAR, user=dave)
    assert generation.stalled_cycles() == []  # not yet: its message might still be on its way

    assert _sweep_later() == 2

    cycle.refresh_from_db()
    assert (cycle.status, cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")
    for scope, scope_id in [(PacketScope.SERVICE, payments.pk), (PacketScope.CUSTOMER, acme.pk)]:
        packet = packet_of(cycle, scope, scope_id)
        assert (packet.status, packet.attempts) == (PacketStatus.READY, 1)


def test_regenerating_a_packet_with_the_broker_down_answers_201_and_is_generated_later(
    reviewed, dave, payments
):
    cycle = services.review_cycle_open(year=YEAR, user=dave)  # eager: generated at once
    packet = packet_of(cycle, PacketScope.SERVICE, payments.pk)
    assert packet.status == PacketStatus.READY

    with celery_broker(f"redis://127.0.0.1:{free_port()}/0"):
        response = api_as(dave).post(f"/api/v1/review-packets/{packet.pk}/regenerate/")

    assert response.status_code == 201, response.content
    new = ReviewPacket.objects.get(pk=response.json()["id"])
    assert (new.version, new.status) == (2, PacketStatus.PENDING)

    assert _sweep_later() == 1

    new.refresh_from_db()
    assert new.status == PacketStatus.READY
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPLETE
