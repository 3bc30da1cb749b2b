"""Who may open cycles, regenerate packets and sign off for which role."""

from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from apps.core.errors import TransitionNotAllowed
from apps.reviews import generation, schedule, services
from apps.reviews.choices import PacketScope
from apps.reviews.models import ReviewCycle, ReviewSignOff
from tests.factories import UserFactory

from .conftest import YEAR, packet_of


@pytest.mark.parametrize("actor", ["alice", "bob", "carol", "mallory"])
def test_only_leadership_opens_a_cycle(actor, request):
    user = request.getfixturevalue(actor)
    with pytest.raises(PermissionDenied, match="Only leadership"):
        services.review_cycle_open(year=YEAR, user=user)
    assert not ReviewCycle.objects.exists()


def test_a_superuser_opens_a_cycle(db):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert services.review_cycle_open(year=YEAR, user=admin).opened_by == admin


def test_a_second_cycle_for_the_same_year_is_refused(dave):
    services.review_cycle_open(year=YEAR, user=dave)
    with pytest.raises(TransitionNotAllowed, match="already exists"):
        services.review_cycle_open(year=YEAR, user=dave)
    assert ReviewCycle.objects.count() == 1


@pytest.mark.parametrize("year", ["next", 1999, date.today().year + 1])
def test_a_bad_year_names_the_field(dave, year):
    with pytest.raises(ValidationError) as error:
        services.review_cycle_open(year=year, user=dave)
    assert "year" in error.value.message_dict
    assert not ReviewCycle.objects.exists()


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("bob", "engineering"),
        ("alice", "sales"),
        ("alice", "customer_success"),
        ("carol", "legal"),
    ],
)
def test_each_role_signs_off_for_itself(service_packet, actor, role, request):
    user = request.getfixturevalue(actor)
    signoff = services.packet_signoff(packet=service_packet, user=user, role=role, comment="ok")
    assert (signoff.user, signoff.role, signoff.comment) == (user, role, "ok")
    record = signoff.history.get()
    assert record.history_user == user
    assert record.history_change_reason.startswith("Signed off for")


@pytest.mark.parametrize(
    ("actor", "role"), [("alice", "legal"), ("bob", "sales"), ("dave", "engineering")]
)
def test_nobody_signs_off_for_another_role(service_packet, actor, role, request):
    with pytest.raises(PermissionDenied):
        services.packet_signoff(
            packet=service_packet, user=request.getfixturevalue(actor), role=role
        )
    assert not ReviewSignOff.objects.exists()


def test_one_signoff_per_role_and_packet(service_packet, bob, erin):
    services.packet_signoff(packet=service_packet, user=bob, role="engineering")
    with pytest.raises(TransitionNotAllowed, match="Engineering already signed off"):
        services.packet_signoff(packet=service_packet, user=erin, role="engineering")
    assert ReviewSignOff.objects.count() == 1


def test_an_unknown_role_names_the_field(service_packet, bob):
    with pytest.raises(ValidationError) as error:
        services.packet_signoff(packet=service_packet, user=bob, role="marketing")
    assert "role" in error.value.message_dict


def test_a_packet_not_ready_or_superseded_cannot_be_signed_off(reviewed, dave, bob, payments):
    cycle = services.review_cycle_open(year=YEAR, user=dave)
    packet = packet_of(cycle, PacketScope.SERVICE, payments.pk)
    with pytest.raises(TransitionNotAllowed, match="Only a ready packet"):
        services.packet_signoff(packet=packet, user=bob, role="engineering")
    generation.packet_generate(packet_id=packet.pk, task_id="t")
    services.packet_regenerate(packet=packet, user=dave)
    with pytest.raises(TransitionNotAllowed, match="newer version"):
        services.packet_signoff(packet=packet, user=bob, role="engineering")


@pytest.mark.parametrize("actor", ["alice", "bob", "carol"])
def test_only_leadership_regenerates(service_packet, actor, request):
    with pytest.raises(PermissionDenied):
        services.packet_regenerate(packet=service_packet, user=request.getfixturevalue(actor))


def test_command_opens_the_cycle_of_the_year_given(reviewed, capsys):
    call_command("open_review_cycle", "--year", str(YEAR))
    cycle = ReviewCycle.objects.get(year=YEAR)
    assert cycle.opened_by is None
    assert "generating 2 packets" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already exists"):
        call_command("open_review_cycle", "--year", str(YEAR))


def test_yearly_schedule_opens_last_year_once_on_january_second(reviewed, time_machine):
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-open-annual-cycle"]
    assert entry["task"] == schedule.open_annual_review_cycle.name
    assert entry["schedule"].day_of_month == {2}
    assert entry["schedule"].month_of_year == {1}
    time_machine.move_to("2026-01-02 03:00Z")
    assert schedule.open_annual_review_cycle.apply().get() is not None
    assert schedule.open_annual_review_cycle.apply().get() is None  # a duplicate beat: no-op
    assert list(ReviewCycle.objects.values_list("year", flat=True)) == [2025]
