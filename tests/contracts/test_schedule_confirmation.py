"""Legal confirms on purpose a credit schedule that contradicts its line's target."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.contracts import services
from apps.contracts.models import ScheduleFitConfirmation
from apps.core.errors import TransitionNotAllowed
from tests.factories import CreditScheduleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tyrell_schedule(db):
    """Pays below 99.9 %: credits a 99.25 % line in months it met its target."""
    return CreditScheduleFactory(
        name="Pays below 99.9",
        tiers=[(Decimal("99.0"), Decimal("99.9"), Decimal("10")), (None, Decimal("99.0"), 25)],
    )


@pytest.fixture
def credits_met_line(alice, contract, availability, slo, tyrell_schedule):
    return services.commitment_create(
        contract=contract,
        user=alice,
        indicator=availability,
        target=Decimal("99.25"),
        credit_schedule=tyrell_schedule,
    )


def test_line_crediting_met_months_is_flagged(credits_met_line):
    [finding] = credits_met_line.schedule_findings
    assert finding.message == (
        "The schedule credits up to 10 % at attainments ≥ 99.25 % and < 99.9 %, which meet the "
        "99.25 % target: a met period would be paid."
    )


def test_legal_confirms_on_purpose_with_user_comment_and_history(carol, credits_met_line):
    confirmation = services.commitment_schedule_confirm(
        commitment=credits_met_line, user=carol, comment="Goodwill credit agreed with Tyrell."
    )
    assert credits_met_line.schedule_confirmation() == confirmation
    assert confirmation.confirmed_by == carol
    assert confirmation.commitment_version == credits_met_line.version
    assert "a met period would be paid" in confirmation.findings
    [record] = confirmation.history.all()
    assert record.history_user == carol
    assert record.history_change_reason == (
        "Credit schedule confirmed: Goodwill credit agreed with Tyrell."
    )


def test_editing_the_line_needs_a_new_confirmation(alice, carol, credits_met_line):
    services.commitment_schedule_confirm(
        commitment=credits_met_line, user=carol, comment="Goodwill credit."
    )
    services.commitment_update(commitment=credits_met_line, user=alice, target=Decimal("99.3"))
    credits_met_line.refresh_from_db()
    assert credits_met_line.schedule_confirmation() is None


def test_only_legal_confirms_and_only_with_a_reason(alice, carol, credits_met_line):
    with pytest.raises(PermissionDenied, match="Only legal"):
        services.commitment_schedule_confirm(commitment=credits_met_line, user=alice, comment="x")
    with pytest.raises(ValidationError, match="Say why"):
        services.commitment_schedule_confirm(commitment=credits_met_line, user=carol, comment=" ")
    assert not ScheduleFitConfirmation.objects.exists()


def test_a_fitting_schedule_has_nothing_to_confirm(alice, carol, contract, availability, slo):
    fitting = CreditScheduleFactory(name="Fits", tiers=[(None, Decimal("99.8"), Decimal("10"))])
    line = services.commitment_create(
        contract=contract,
        user=alice,
        indicator=availability,
        target=Decimal("99.8"),
        credit_schedule=fitting,
    )
    assert line.schedule_findings == []
    with pytest.raises(TransitionNotAllowed, match="nothing to confirm"):
        services.commitment_schedule_confirm(commitment=line, user=carol, comment="x")
