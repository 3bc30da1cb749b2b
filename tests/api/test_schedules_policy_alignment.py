"""Credit schedules with nested tiers, the global buffer policy and the alignment preview."""

from decimal import Decimal

import pytest

from apps.contracts.models import CreditSchedule, CreditTier
from apps.slos.models import BufferPolicy
from tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

TIERS = [
    {"lower": "99.0", "upper": "99.99", "credit_percent": "10"},
    {"lower": "95.0", "upper": "99.0", "credit_percent": "25"},
    {"lower": None, "upper": "95.0", "credit_percent": "100"},
]


def test_legal_creates_a_schedule_with_its_tiers(carol):
    response = client_for(carol).post(
        "/api/v1/credit-schedules/", {"name": "Cloud", "cap_percent": "50", "tiers": TIERS}
    )

    assert response.status_code == 201, response.json()
    schedule = CreditSchedule.objects.get(name="Cloud")
    assert schedule.cap_percent == Decimal("50")
    assert {(t.lower, t.upper, t.credit_percent) for t in schedule.tiers.all()} == {
        (Decimal("99.0"), Decimal("99.99"), Decimal("10")),
        (Decimal("95.0"), Decimal("99.0"), Decimal("25")),
        (None, Decimal("95.0"), Decimal("100")),
    }
    tier = next(t for t in response.json()["tiers"] if t["credit_percent"] == "10.00")
    assert (tier["lower_inclusive"], tier["upper_inclusive"]) == (True, False)
    evaluate = client_for(carol).get(
        f"/api/v1/credit-schedules/{schedule.pk}/evaluate/?attainment=94"
    )
    assert evaluate.json() == {"attainment": "94.0000", "credit_percent": "50.00"}


def test_overlapping_tiers_are_400_naming_tiers_and_nothing_is_saved(carol):
    overlapping = [*TIERS, {"lower": "98.0", "upper": "99.5", "credit_percent": "15"}]

    response = client_for(carol).post(
        "/api/v1/credit-schedules/", {"name": "Bad", "tiers": overlapping}
    )

    assert response.status_code == 400
    assert "overlap" in response.json()["tiers"][0]
    assert not CreditSchedule.objects.exists()
    assert not CreditTier.objects.exists()


def test_touching_inclusive_bounds_overlap_but_half_open_ones_do_not(carol):
    legal = client_for(carol)
    touching = [
        {"lower": "99", "upper": "99.9", "credit_percent": "10", "upper_inclusive": True},
        {"lower": "99.9", "upper": None, "credit_percent": "0"},
    ]
    assert (
        legal.post("/api/v1/credit-schedules/", {"name": "A", "tiers": touching}).status_code == 400
    )
    touching[0]["upper_inclusive"] = False
    assert (
        legal.post("/api/v1/credit-schedules/", {"name": "A", "tiers": touching}).status_code == 201
    )


def test_a_tier_with_lower_above_upper_is_named_by_position(carol):
    tiers = [TIERS[0], {"lower": "99", "upper": "98", "credit_percent": "5"}]

    response = client_for(carol).post("/api/v1/credit-schedules/", {"name": "Bad", "tiers": tiers})

    assert response.status_code == 400
    assert response.json()["tiers"] == {
        "1": {"upper": ["The upper bound must be above the lower bound."]}
    }
    assert not CreditSchedule.objects.exists()


def test_replacing_tiers_edits_rows_removes_leftovers_and_shows_in_history(carol, schedule):
    legal = client_for(carol)
    response = legal.put(
        f"/api/v1/credit-schedules/{schedule.pk}/",
        {
            "name": schedule.name,
            "tiers": [{"lower": None, "upper": "99.9", "credit_percent": "20"}],
        },
    )

    assert response.status_code == 200, response.json()
    assert [(t["lower"], t["upper"], t["credit_percent"]) for t in response.json()["tiers"]] == [
        (None, "99.9000", "20.00")
    ]
    assert schedule.tiers.count() == 1
    history = legal.get(f"/api/v1/credit-schedules/{schedule.pk}/history/").json()
    assert sorted(e["change_type"] for e in history if e["user"] == "carol") == [
        "changed",
        "deleted",
        "deleted",
    ]
    edit = next(e for e in history if e["change_type"] == "changed")
    assert edit["changes"]["credit_percent"] == ["10.00", "20.00"]


def test_engineering_cannot_edit_credit_schedules(bob, schedule):
    response = client_for(bob).patch(
        f"/api/v1/credit-schedules/{schedule.pk}/", {"cap_percent": "1"}
    )

    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.cap_percent is None


def test_buffer_policy_is_read_by_all_and_changed_by_an_administrator(
    alice, bob, carol, aligned_line
):
    assert client_for(alice).get("/api/v1/buffer-policy/").json() == {
        "min_budget_ratio": "2.00",
        "min_margin": "0.0000",
    }
    assert (
        client_for(carol)
        .put("/api/v1/buffer-policy/", {"min_budget_ratio": "3", "min_margin": "0"})
        .status_code
        == 403
    )

    # Engineering changes service overrides in the admin; the global policy moves every team.
    refused = client_for(bob).put(
        "/api/v1/buffer-policy/", {"min_budget_ratio": "3", "min_margin": "0.05"}
    )
    assert refused.status_code == 403
    assert BufferPolicy.objects.get(service__isnull=True).min_budget_ratio == Decimal("2")

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = client_for(root).put(
        "/api/v1/buffer-policy/", {"min_budget_ratio": "3", "min_margin": "0.05"}
    )

    assert response.status_code == 200
    assert response.json() == {"min_budget_ratio": "3.00", "min_margin": "0.0500"}
    policy = BufferPolicy.objects.get(service__isnull=True)
    assert policy.min_budget_ratio == Decimal("3")
    line = client_for(alice).get(f"/api/v1/commitments/{aligned_line.pk}/alignment/").json()
    assert line["verdict"] == "THIN"
    assert Decimal(line["safe_maximum"]) == Decimal("99.7")
    history = client_for(bob).get("/api/v1/buffer-policy/history/").json()
    assert history[0]["user"] == "root"
    assert history[0]["changes"]["min_budget_ratio"] == ["2.00", "3.00"]


def test_buffer_policy_ratio_below_one_is_named(bob):
    response = client_for(bob).patch("/api/v1/buffer-policy/", {"min_budget_ratio": "0.5"})

    assert response.status_code == 400
    assert "min_budget_ratio" in response.json()
    assert BufferPolicy.objects.get(service__isnull=True).min_budget_ratio == Decimal("2")


def test_alignment_preview_of_an_unsaved_target(alice, availability, slo):
    sales = client_for(alice)

    tight = sales.get(f"/api/v1/alignment/?indicator={availability.pk}&target=99.95").json()
    safe = sales.get(f"/api/v1/alignment/?indicator={availability.pk}&target=99.8").json()

    assert tight["verdict"] == "MISMATCH"
    assert (safe["verdict"], safe["slo"], safe["at_risk"]) == ("ALIGNED", slo.pk, False)
    assert set(safe) >= {
        "verdict",
        "slo",
        "buffer_ratio",
        "margin",
        "at_risk",
        "reasons",
        "safe_maximum",
    }
    assert (Decimal(safe["buffer_ratio"]), Decimal(safe["margin"])) == (Decimal(2), Decimal("0.1"))


def test_alignment_preview_without_an_slo_says_so(alice, latency):
    body = client_for(alice).get(f"/api/v1/alignment/?indicator={latency.pk}&target=99").json()

    assert (body["verdict"], body["slo"], body["safe_maximum"]) == ("NO_SLO", None, None)
    assert "No active SLO" in body["reasons"][0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("indicator=999999&target=99", "indicator"),
        ("indicator={indicator}&target=abc", "target"),
        ("indicator={indicator}&target=0", "target"),
        ("indicator={indicator}&target=100.5", "target"),
        ("target=99", "indicator"),
    ],
)
def test_alignment_preview_bad_input_is_400_naming_the_field(alice, availability, query, field):
    response = client_for(alice).get(
        "/api/v1/alignment/?" + query.format(indicator=availability.pk)
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_editing_an_approved_line_voids_its_signoff(alice, bob, contract, aligned_line, latency):
    from apps.slos.models import SLO

    SLO.objects.create(indicator=latency, target=Decimal("99.5"), status="active")
    sales, engineer = client_for(alice), client_for(bob)
    second = sales.post(
        "/api/v1/commitments/",
        {"contract": contract.pk, "indicator": latency.pk, "target": "99"},
    ).json()
    sales.post(f"/api/v1/contracts/{contract.pk}/submit/")
    approved = engineer.post(
        f"/api/v1/commitments/{aligned_line.pk}/signoffs/", {"decision": "approve"}
    ).json()
    engineer.post(
        f"/api/v1/commitments/{second['id']}/signoffs/",
        {"decision": "reject", "comment": "Latency SLA needs work."},
    )

    edited = sales.patch(f"/api/v1/commitments/{aligned_line.pk}/", {"target": "99.5"})

    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    signoffs = sales.get(f"/api/v1/commitments/{aligned_line.pk}/signoffs/").json()
    assert [(s["id"], s["is_current"]) for s in signoffs] == [(approved["id"], False)]
    assert "Commitment edited (target)" in signoffs[0]["void_reason"]
