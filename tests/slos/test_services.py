"""SLO and buffer-policy services: who and why in history, errors per field, no half-writes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.slos import services, signals
from apps.slos.choices import SloStatus
from apps.slos.models import SLO, BufferPolicy
from apps.slos.selectors import global_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db):
    return global_policy()


@pytest.fixture
def sent():
    """The slos signals sent during a test, as (name, keyword arguments)."""
    received = []

    def receiver(name):
        def record(sender, **kwargs):
            received.append((name, kwargs))

        return record

    receivers = {
        "slo_saved": receiver("slo_saved"),
        "slo_versioned": receiver("slo_versioned"),
        "buffer_policy_saved": receiver("buffer_policy_saved"),
    }
    for name, function in receivers.items():
        getattr(signals, name).connect(function, weak=False)
    yield received
    for name, function in receivers.items():
        getattr(signals, name).disconnect(function)


def test_slo_create_records_the_user_and_the_reason(bob, availability, sent):
    slo = services.slo_create(
        user=bob,
        reason="Availability objective agreed with Payments.",
        indicator=availability,
        target=Decimal("99.9"),
        status=SloStatus.ACTIVE,
    )

    stored = SLO.objects.get(pk=slo.pk)
    assert (stored.target, stored.status, stored.version) == (Decimal("99.9"), "active", 1)
    record = stored.history.get()
    assert record.history_user == bob
    assert record.history_change_reason == "Availability objective agreed with Payments."
    assert [(name, kwargs["before"]) for name, kwargs in sent] == [("slo_saved", None)]


def test_slo_update_records_the_user_the_reason_and_a_new_version(bob, slo, sent):
    updated = services.slo_update(
        slo=slo, user=bob, reason="Tightened after two good quarters.", target=Decimal("99.95")
    )

    assert (updated.target, updated.version) == (Decimal("99.95"), 2)
    slo.refresh_from_db()
    assert (slo.target, slo.version) == (Decimal("99.95"), 2)
    record = slo.history.first()
    assert (record.history_user, record.history_change_reason) == (
        bob,
        "Tightened after two good quarters.",
    )
    # contracts and drift listen to these: the target before the save, and what changed.
    versioned, saved = sent
    assert saved[0] == "slo_saved" and saved[1]["before"]["target"] == Decimal("99.9")
    assert versioned[0] == "slo_versioned"
    assert (versioned[1]["changed"], versioned[1]["user"]) == (["target"], bob)


def test_slo_update_locks_the_row_before_reading_it(postgres, bob, slo):
    with CaptureQueriesContext(connection) as queries:
        services.slo_update(slo=slo, user=bob, name="Checkout availability")

    first_read = next(q["sql"] for q in queries if q["sql"].startswith("SELECT"))
    assert '"slos_slo"' in first_read and first_read.endswith("FOR UPDATE")


def test_slo_update_errors_name_each_field_and_write_nothing(bob, slo, sent):
    with pytest.raises(ValidationError) as raised:
        services.slo_update(
            slo=slo, user=bob, reason="typo", target=Decimal("150"), timezone="Mars/Base"
        )

    assert set(raised.value.message_dict) == {"target", "timezone"}
    assert "Unknown timezone 'Mars/Base'." in raised.value.message_dict["timezone"]
    slo.refresh_from_db()
    assert (slo.target, slo.timezone, slo.version) == (Decimal("99.9"), "UTC", 1)
    assert slo.history.count() == 1
    assert sent == []


def test_a_timeslices_slo_without_a_slice_target_is_refused_on_that_field(bob, slo):
    with pytest.raises(ValidationError) as raised:
        services.slo_update(slo=slo, user=bob, budgeting_method="timeslices")

    assert list(raised.value.message_dict) == ["timeslice_target"]
    assert SLO.objects.get(pk=slo.pk).budgeting_method == "occurrences"


def test_a_second_active_slo_is_refused_on_its_status_and_not_created(bob, slo):
    assert slo.status == SloStatus.ACTIVE
    with pytest.raises(ValidationError) as raised:
        services.slo_create(
            user=bob, indicator=slo.indicator, target=Decimal("99"), status=SloStatus.ACTIVE
        )

    assert raised.value.message_dict == {"status": ["This indicator already has an active SLO."]}
    assert SLO.objects.count() == 1


def test_a_field_the_service_does_not_set_is_refused_by_name(bob, slo):
    with pytest.raises(ValidationError) as raised:
        services.slo_update(slo=slo, user=bob, version=7)

    assert raised.value.message_dict == {"version": ["This field cannot be set here."]}
    assert SLO.objects.get(pk=slo.pk).version == 1


def test_buffer_policy_update_records_the_user_and_the_reason(bob, policy, sent):
    services.buffer_policy_update(
        policy=policy, user=bob, reason="Stricter buffer company-wide.", min_margin="0.05"
    )

    policy.refresh_from_db()
    assert policy.min_margin == Decimal("0.05")
    record = policy.history.first()
    assert (record.history_user, record.history_change_reason) == (
        bob,
        "Stricter buffer company-wide.",
    )
    assert [name for name, _ in sent] == ["buffer_policy_saved"]


def test_buffer_policy_errors_name_the_field_and_write_nothing(bob, policy, sent):
    before = policy.history.count()

    with pytest.raises(ValidationError) as raised:
        services.buffer_policy_update(policy=policy, user=bob, min_budget_ratio=Decimal("0.5"))

    assert list(raised.value.message_dict) == ["min_budget_ratio"]
    policy.refresh_from_db()
    assert policy.min_budget_ratio == Decimal("2.0")
    assert policy.history.count() == before
    assert sent == []


def test_a_second_global_buffer_policy_is_refused_on_the_service_field(bob, payments, policy):
    with pytest.raises(ValidationError) as raised:
        services.buffer_policy_create(user=bob, min_budget_ratio=Decimal("3"))

    assert raised.value.message_dict == {"service": ["There is already a global buffer policy."]}
    override = services.buffer_policy_create(
        user=bob, reason="Batch jobs tolerate less room.", service=payments, min_budget_ratio="1.5"
    )
    assert BufferPolicy.objects.count() == 2
    assert override.history.get().history_change_reason == "Batch jobs tolerate less room."
