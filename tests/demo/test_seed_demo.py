"""``manage.py seed_demo``: a contract in every state, built through services, run once."""

import io
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from apps.calendars.models import Calendar
from apps.catalog.models import Indicator, Service
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Contract, Waiver
from apps.contracts.policies import signoff_queue
from apps.demo.base import DEMO_PASSWORD
from apps.measurements.models import SLISample
from apps.reviews.choices import CycleStatus, PacketStatus
from apps.reviews.models import ReviewCycle
from apps.slos.alignment import Verdict
from apps.slos.models import SLO
from apps.support.models import Ticket, TicketClock, TicketEvent

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every model, history tables included: what a second run must not change."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module (seeding takes seconds), rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        # Review packets are generated on commit: run those callbacks inside the rollback.
        with TestCase.captureOnCommitCallbacks(execute=True):
            out = run()
        yield out
        transaction.set_rollback(True)


def test_demo_has_a_contract_in_every_status(seeded):
    statuses = set(Contract.objects.values_list("status", flat=True))
    assert statuses == set(ContractStatus.values)
    superseded = Contract.objects.get(status=ContractStatus.SUPERSEDED)
    assert superseded.next_revision.status == ContractStatus.SIGNED


def test_a_mismatch_line_waits_for_payments_engineering(seeded):
    bob = get_user_model().objects.get(username="bob")
    line = Commitment.objects.get(
        contract__status=ContractStatus.IN_REVIEW, verdict=Verdict.MISMATCH
    )
    assert line.indicator.service.team.name == "Payments"
    assert line in signoff_queue(bob)
    assert not line.signoffs.exists()


def test_history_names_the_people_who_acted(seeded):
    signed = Contract.objects.get(number="ACME-001")
    assert (signed.signed_by.username, signed.history.first().history_user.username) == (
        "carol",
        "carol",
    )
    waiver = Waiver.objects.get()
    assert waiver.granted_by.username == "dave"
    assert waiver.history.get().history_user.username == "dave"


def test_every_role_can_log_in_with_the_demo_password(seeded):
    users = get_user_model().objects.filter(
        username__in=["alice", "bob", "erin", "carol", "dave", "admin"]
    )
    assert len(users) == 6
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    assert get_user_model().objects.get(username="admin").is_superuser
    assert not get_user_model().objects.get(username="alice").is_staff


def test_running_with_once_again_changes_nothing(seeded):
    before = row_counts()

    output = run("--once")

    assert "nothing to do" in output
    assert row_counts() == before


def test_running_again_without_once_creates_nothing(seeded):
    before = row_counts()

    output = run()

    assert "created nothing" in output
    assert row_counts() == before


def test_every_active_slo_has_hourly_samples_since_january_last_year(seeded):
    active = SLO.objects.filter(status="active").count()
    today = timezone.localdate()
    hours = (today - date(today.year - 1, 1, 1)).days * 24
    assert SLISample.objects.values("indicator").distinct().count() == active
    # Quiet hours of the support desks see no tickets, hence no sample: nearly every hour.
    assert active * hours * 0.95 <= SLISample.objects.count() <= active * hours
    first = SLISample.objects.earliest("start").start
    assert (first.year, first.month, first.day) == (today.year - 1, 1, 1)


def test_last_year_has_a_finished_review_cycle_with_packets(seeded):
    cycle = ReviewCycle.objects.get(year=timezone.localdate().year - 1)
    assert cycle.status == CycleStatus.COMPLETE
    statuses = list(cycle.packets.values_list("status", flat=True))
    assert statuses and set(statuses) == {PacketStatus.READY}
    payments = cycle.packets.get(
        scope="service", scope_id=Service.objects.get(slug="payments-api").pk
    )
    measured = [m for slo in payments.data["slos"] for m in slo["months"] if m["attainment"]]
    assert measured, "last year's packet reads measured months, not an empty year"


def test_support_desk_has_regional_calendars_and_the_priority_matrix(seeded):
    us = Calendar.objects.get(timezone="America/New_York")
    england = Calendar.objects.get(timezone="Europe/London")
    year = timezone.localdate().year
    assert date(year, 7, 4) in dict(us.holidays_in(year))
    assert date(year, 12, 26) in dict(england.holidays_in(year))
    matrix = Indicator.objects.filter(service__slug="support-desk")
    assert {(i.priority, i.kind) for i in matrix} == {
        (p, k) for p in ("P1", "P2", "P3", "P4") for k in ("support_response", "support_resolution")
    }
    assert all(SLO.objects.filter(indicator=i).exists() for i in matrix)
    uk = Contract.objects.get(number="INITECH-SUP-001")
    assert uk.status == ContractStatus.SIGNED and uk.support_calendar == england


def test_support_desk_has_tickets_in_every_state(seeded):
    support = get_user_model().objects.get(username="support")
    assert support.groups.filter(name="Support").exists()
    assert support.check_password(DEMO_PASSWORD)
    assert Ticket.objects.count() >= 300
    assert set(Ticket.objects.values_list("status", flat=True)) >= {
        "open",
        "pending_customer",
        "solved",
        "closed",
    }
    states = set(TicketClock.objects.values_list("metric", "state"))
    assert states >= {
        ("response", "met"),
        ("response", "breached"),
        ("resolution", "met"),
        ("resolution", "breached"),
        ("resolution", "running"),
        ("resolution", "paused"),
        ("resolution", "cancelled"),
    }
    assert Ticket.objects.filter(reopens__gt=0).exists()
    assert Ticket.objects.filter(reopens__gt=0).count() < Ticket.objects.count() / 5
    assert TicketEvent.objects.filter(type="priority").exists()
    assert Ticket.objects.filter(contract__number="INITECH-SUP-001").exists()
    assert set(Ticket.objects.values_list("source", flat=True)) == {
        "acme-jira",
        "zendesk-demo",
        "builtin",
    }


def test_tyrell_r2_credits_are_flagged_against_its_target(seeded):
    """TYRELL-001 r2 promises 99.25 % on the storage schedule, which pays below 99.9 %."""
    line = Commitment.objects.get(contract__number="TYRELL-001", contract__revision=2)
    [finding] = line.schedule_findings
    assert finding.kind == "credits_above_target"
    assert finding.message == (
        "The schedule credits up to 10 % at attainments ≥ 99.25 % and < 99.9 %, which meet the "
        "99.25 % target: a met period would be paid."
    )
