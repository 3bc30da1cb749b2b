"""Escalation policies written through their services: history with the user, refusals that
name the field and change nothing, and the admin's writes going the same way."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.core.roles import SUPPORT
from apps.support.models import EscalationLevel, EscalationPolicy
from apps.support.services.escalation_policies import (
    escalation_policy_create,
    escalation_policy_delete,
    escalation_policy_update,
)
from tests.admin.helpers import client_for
from tests.conftest import api_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sue(db):
    """A support lead with admin access."""
    return UserFactory(username="sue", is_staff=True, roles=[SUPPORT])


def _levels_as_stored(policy):
    return [
        (level.position, level.metric, level.percent, level.offset_minutes)
        for level in EscalationLevel.objects.filter(policy=policy).order_by("position")
    ]


def test_creating_a_policy_records_who_and_why_for_it_and_each_level(sue, payments, on_call):
    policy = escalation_policy_create(
        user=sue,
        reason="Desk opened.",
        name="Payments desk",
        service=payments,
        levels=[
            {"percent": Decimal("75"), "notify_assignee": True},
            {"metric": "response", "offset_minutes": -10, "channels": [on_call]},
        ],
    )

    record = policy.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        sue,
        "Desk opened.",
    )
    level_records = EscalationLevel.history.filter(policy_id=policy.pk).order_by("history_id")
    # The second level's channels are set once it exists: a change of its own, by the same user.
    assert [(r.position, r.history_type, r.history_user) for r in level_records] == [
        (1, "+", sue),
        (2, "+", sue),
        (2, "~", sue),
    ]
    assert _levels_as_stored(policy) == [
        (1, "", Decimal("75.00"), None),
        (2, "response", None, -10),
    ]
    assert list(policy.levels.get(position=2).channels.all()) == [on_call]


def test_replacing_the_levels_records_the_changed_and_deleted_levels_with_the_user(sue, policy):
    first, *others = policy.levels.order_by("position").values_list("pk", flat=True)

    escalation_policy_update(
        policy=policy, user=sue, reason="Fewer steps.", levels=[{"offset_minutes": 30}]
    )

    # The level at position 1 is changed in place (its escalations stay); the others go.
    assert _levels_as_stored(policy) == [(1, "", None, 30)]
    assert policy.levels.get().pk == first
    changed = EscalationLevel.history.filter(id=first).latest()
    assert (changed.history_type, changed.history_user, changed.history_change_reason) == (
        "~",
        sue,
        "Fewer steps.",
    )
    deleted = EscalationLevel.history.filter(id__in=others, history_type="-")
    assert {r.id for r in deleted} == set(others)
    assert {(r.history_user, r.history_change_reason) for r in deleted} == {(sue, "Fewer steps.")}
    assert policy.history.latest().history_user == sue


@pytest.mark.parametrize(
    "bad_level",
    [{"percent": Decimal("150")}, {"percent": Decimal("50"), "offset_minutes": 5}, {}],
    ids=["percent over 100", "percent and offset", "neither"],
)
def test_a_bad_level_is_refused_naming_its_field_and_nothing_changes(sue, policy, bad_level):
    before = _levels_as_stored(policy)
    history_before = EscalationLevel.history.count() + EscalationPolicy.history.count()

    with pytest.raises(ValidationError) as refused:
        escalation_policy_update(
            policy=policy,
            user=sue,
            name="Renamed",
            levels=[{"offset_minutes": 0}, bad_level],
        )

    assert list(refused.value.message_dict) == ["percent"]
    assert refused.value.message_dict["percent"][0].startswith("Level 2: ")
    policy.refresh_from_db()
    assert policy.name == "Payments desk"
    assert _levels_as_stored(policy) == before
    assert EscalationLevel.history.count() + EscalationPolicy.history.count() == history_before


def test_a_second_policy_for_a_service_is_refused_under_service(sue, policy, payments):
    with pytest.raises(ValidationError) as refused:
        escalation_policy_create(
            user=sue, name="Again", service=payments, levels=[{"percent": Decimal("50")}]
        )

    assert "already has an escalation policy" in refused.value.message_dict["service"][0]
    assert EscalationPolicy.objects.count() == 1


def test_deleting_a_policy_records_the_user_on_it_and_its_levels(sue, policy):
    level_ids = set(policy.levels.values_list("pk", flat=True))

    escalation_policy_delete(policy=policy, user=sue, reason="Desk closed.")

    assert not EscalationPolicy.objects.exists()
    assert EscalationPolicy.history.get(history_type="-").history_user == sue
    deleted = EscalationLevel.history.filter(history_type="-")
    assert {(r.id, r.history_user) for r in deleted} == {(pk, sue) for pk in level_ids}


def test_the_api_records_its_writes_with_the_caller(sue, payments):
    created = api_as(sue).post(
        "/api/v1/escalation-policies/",
        {"name": "Payments desk", "service": payments.pk, "levels": [{"percent": "75"}]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    changed = api_as(sue).patch(
        f"/api/v1/escalation-policies/{created.json()['id']}/", {"name": "On call"}, format="json"
    )
    assert changed.status_code == 200, changed.json()

    policy = EscalationPolicy.objects.get()
    assert [
        (r.history_type, r.history_user, r.history_change_reason)
        for r in policy.history.order_by("history_id")
    ] == [("+", sue, "Created through the API."), ("~", sue, "Changed through the API.")]
    assert EscalationLevel.history.get().history_user == sue


def _admin_form(policy, levels: list[dict], initial: int) -> dict:
    data = {
        "name": policy["name"],
        "service": policy["service"],
        "lead_email": "",
        "active": "on",
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(initial),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for index, level in enumerate(levels):
        data.update({f"levels-{index}-{name}": value for name, value in level.items()})
    return data


def test_the_admin_creates_a_policy_and_its_levels_through_the_service(sue, payments):
    response = client_for(sue).post(
        "/admin/support/escalationpolicy/add/",
        _admin_form(
            {"name": "Payments desk", "service": payments.pk},
            [{"position": 1, "percent": "50"}, {"position": 2, "offset_minutes": "-10"}],
            initial=0,
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    policy = EscalationPolicy.objects.get()
    assert _levels_as_stored(policy) == [(1, "", Decimal("50.00"), None), (2, "", None, -10)]
    record = policy.history.get()
    assert (record.history_user, record.history_change_reason) == (sue, "Created in the admin.")
    assert set(EscalationLevel.history.values_list("history_user", flat=True)) == {sue.pk}


def test_the_admin_changes_a_level_in_place_and_deletes_a_removed_one(sue, policy, payments):
    first, second, third = policy.levels.order_by("position")
    levels = [
        {"id": first.pk, "position": 1, "metric": "response", "percent": "40"},
        {"id": second.pk, "position": 2, "metric": "response", "offset_minutes": "0"},
        {"id": third.pk, "position": 3, "offset_minutes": "60", "DELETE": "on"},
    ]
    for level in levels:
        level["policy"] = policy.pk

    response = client_for(sue).post(
        f"/admin/support/escalationpolicy/{policy.pk}/change/",
        _admin_form({"name": "Payments desk", "service": payments.pk}, levels, initial=3),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(policy.levels.order_by("position").values_list("pk", "percent")) == [
        (first.pk, Decimal("40.00")),
        (second.pk, None),
    ]
    removed = EscalationLevel.history.get(id=third.pk, history_type="-")
    assert (removed.history_user, removed.history_change_reason) == (sue, "Changed in the admin.")
