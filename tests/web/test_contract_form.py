"""The contract form: bad input names the field and writes nothing; saving is all or nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.contracts import services
from apps.contracts.models import Commitment, Contract
from apps.core.errors import TransitionNotAllowed

from .helpers import client_as, contract_form_data

pytestmark = pytest.mark.django_db


def _row_counts() -> tuple[int, ...]:
    return (
        Contract.objects.count(),
        Commitment.objects.count(),
        Contract.history.count(),
        Commitment.history.count(),
    )


@pytest.mark.parametrize(
    ("terms", "line", "field", "message"),
    [
        ({}, {"target": "101"}, "target", "at most 100"),
        ({}, {"target": "abc"}, "target", "Enter a number."),
        ({"monthly_fee": "-5"}, {}, "monthly_fee", "greater than or equal to 0"),
        (
            {"start_date": "2026-06-01", "end_date": "2026-01-01"},
            {},
            "end_date",
            "The end date must not be before the start date.",
        ),
    ],
    ids=["target-101", "target-abc", "negative-fee", "end-before-start"],
)
def test_bad_input_shows_the_field_error_and_writes_nothing(
    alice, acme, availability, slo, terms, line, field, message
):
    before = _row_counts()
    data = contract_form_data(
        customer=acme.pk,
        number="ACME-200",
        lines=[{"indicator": availability.pk, "target": "99.5", **line}],
        **terms,
    )
    response = client_as(alice).post(reverse("contracts:create"), data)

    assert response.status_code == 200
    assert "Nothing was saved" in response.text
    form = response.context["form"]
    line_form = response.context["formset"].forms[0]
    errors = line_form.errors if field in line_form.fields else form.errors
    assert message in " ".join(errors[field])
    assert 'aria-invalid="true"' in response.text
    assert _row_counts() == before


def test_bad_input_on_an_existing_contract_changes_nothing(alice, aligned_line):
    contract = aligned_line.contract
    before = _row_counts()
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        title="A new title",
        monthly_fee=contract.monthly_fee,
        start_date=contract.start_date.isoformat(),
        existing=[
            {
                "id": aligned_line.pk,
                "contract": contract.pk,
                "indicator": aligned_line.indicator_id,
                "target": "100.5",
            }
        ],
    )
    response = client_as(alice).post(reverse("contracts:edit", args=[contract.pk]), data)

    assert response.status_code == 200
    assert "target" in response.context["formset"].forms[0].errors
    contract.refresh_from_db()
    aligned_line.refresh_from_db()
    assert contract.title == ""
    assert aligned_line.target == Decimal("99.8")
    assert _row_counts() == before


def test_a_refusal_after_the_first_write_rolls_back_the_whole_form(
    alice, aligned_line, availability, monkeypatch
):
    """Terms and lines are one transaction: a line the service refuses undoes the terms too."""
    contract = aligned_line.contract
    before = _row_counts()

    def refuse(**fields):
        raise ValidationError({"target": "Refused by the service."})

    monkeypatch.setattr(services, "commitment_create", refuse)
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        title="Renamed",
        monthly_fee="1.00",
        start_date=contract.start_date.isoformat(),
        existing=[
            {
                "id": aligned_line.pk,
                "contract": contract.pk,
                "indicator": aligned_line.indicator_id,
                "target": "99.7",
            }
        ],
        lines=[{"indicator": availability.pk, "target": "99.5"}],
    )
    response = client_as(alice).post(reverse("contracts:edit", args=[contract.pk]), data)

    assert response.status_code == 200
    new_line_form = response.context["formset"].forms[1]
    assert new_line_form.errors["target"] == ["Refused by the service."]
    contract.refresh_from_db()
    aligned_line.refresh_from_db()
    assert (contract.title, contract.monthly_fee) == ("", Decimal("10000.00"))
    assert (aligned_line.target, aligned_line.version) == (Decimal("99.8"), 1)
    assert _row_counts() == before


def test_a_state_refusal_while_saving_is_a_clear_message(alice, aligned_line, monkeypatch):
    """Someone submitted the contract between opening the form and saving it."""
    contract = aligned_line.contract
    before = _row_counts()

    def refuse(**fields):
        raise TransitionNotAllowed(f"Cannot edit contract {contract}: it is in review.")

    monkeypatch.setattr(services, "contract_update", refuse)
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        title="Renamed",
        monthly_fee=contract.monthly_fee,
        start_date=contract.start_date.isoformat(),
    )
    response = client_as(alice).post(reverse("contracts:edit", args=[contract.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Cannot edit contract {contract}: it is in review."
    ]
    assert "Nothing was saved" in response.text
    assert _row_counts() == before


def test_a_number_already_in_progress_is_refused_on_the_form(alice, contract, availability):
    before = _row_counts()
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        lines=[{"indicator": availability.pk, "target": "99.5"}],
    )
    response = client_as(alice).post(reverse("contracts:create"), data)

    assert response.status_code == 200
    assert "already" in response.text
    assert _row_counts() == before


def test_editing_saves_terms_and_lines_with_history(alice, aligned_line, availability):
    contract = aligned_line.contract
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        title="Acme master agreement",
        monthly_fee=contract.monthly_fee,
        start_date=contract.start_date.isoformat(),
        existing=[
            {
                "id": aligned_line.pk,
                "contract": contract.pk,
                "indicator": aligned_line.indicator_id,
                "target": "99.7",
                "credit_schedule": aligned_line.credit_schedule_id,
            }
        ],
        lines=[{"indicator": availability.pk, "target": "99.0"}],
    )
    response = client_as(alice).post(reverse("contracts:edit", args=[contract.pk]), data)

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.title == "Acme master agreement"
    assert sorted(contract.commitments.values_list("target", flat=True)) == [
        Decimal("99.0"),
        Decimal("99.7"),
    ]
    assert contract.history.latest("history_date").history_change_reason == "Contract terms edited."
    edited = Commitment.history.filter(id=aligned_line.pk).latest("history_date")
    assert (edited.history_user, edited.target) == (alice, Decimal("99.7"))


def test_an_unchanged_line_writes_no_history(alice, aligned_line):
    contract = aligned_line.contract
    before = _row_counts()
    data = contract_form_data(
        customer=contract.customer_id,
        number=contract.number,
        monthly_fee=contract.monthly_fee,
        start_date=contract.start_date.isoformat(),
        existing=[
            {
                "id": aligned_line.pk,
                "contract": contract.pk,
                "indicator": aligned_line.indicator_id,
                "target": aligned_line.target,
                "credit_schedule": aligned_line.credit_schedule_id,
            }
        ],
    )
    response = client_as(alice).post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 302
    assert _row_counts() == before
