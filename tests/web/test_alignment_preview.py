"""The live alignment fragment the contract form fetches while sales types a target."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import IndicatorFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db


def _preview(user, **params):
    return client_as(user).get(reverse("contracts:alignment-preview"), params)


@pytest.mark.parametrize(
    ("target", "verdict", "reason"),
    [
        ("99.8", "ALIGNED", "The SLA error budget is 2× the SLO's, with 0.1 points of margin."),
        (
            "99.85",
            "THIN",
            "The SLA error budget is 1.5× the SLO's; the policy asks for at least 2×.",
        ),
        ("99.95", "MISMATCH", "The SLA target 99.95 % is stricter than the SLO target 99.9 %"),
    ],
)
def test_preview_shows_verdict_reasons_slo_buffer_and_safe_maximum(
    alice, availability, slo, target, verdict, reason
):
    response = _preview(alice, indicator=availability.pk, target=target)
    assert response.status_code == 200
    assert f"verdict-{verdict.lower()}" in response.text
    assert reason in html.unescape(response.text)
    assert "against SLO 99.9 %" in response.text
    assert "Buffer ratio" in response.text
    assert "The most you can safely promise: <strong>99.8 %</strong>" in response.text
    assert "<html" not in response.text  # a fragment, not a page


def test_preview_without_an_slo_says_engineering_should_define_one(alice, payments):
    indicator = IndicatorFactory(service=payments, name="Quality")
    response = _preview(alice, indicator=indicator.pk, target="99")
    assert "NO SLO" in response.text
    assert "engineering should define one first" in response.text
    assert "safely promise" not in response.text


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("101", "at most 100 (got 101)"),
        ("0", "greater than 0"),
        ("abc", "“abc” is not a number"),
        ("NaN", "is not a number"),
    ],
)
def test_a_bad_target_is_explained_with_status_400(alice, availability, slo, target, problem):
    response = _preview(alice, indicator=availability.pk, target=target)
    assert response.status_code == 400
    assert "<strong>Target:</strong>" in response.text
    assert problem in response.text


def test_an_unknown_indicator_is_explained_with_status_400(alice, availability):
    response = _preview(alice, indicator="999999", target="99")
    assert response.status_code == 400
    assert "Unknown indicator." in response.text


def test_an_incomplete_line_gets_a_prompt(alice, availability):
    response = _preview(alice, indicator=availability.pk, target="")
    assert response.status_code == 200
    assert "Choose an indicator and type a target" in response.text


def test_a_decimal_comma_is_understood(alice, availability, slo):
    response = _preview(alice, indicator=availability.pk, target="99,8")
    assert "ALIGNED" in response.text


def test_people_without_a_role_may_not_use_the_preview(mallory, availability):
    assert _preview(mallory, indicator=availability.pk, target="99").status_code == 403


def test_the_preview_reports_an_slo_missing_its_own_target(alice, availability, slo):
    """AT_RISK: the data says the SLO itself is being missed, whatever the paper verdict."""
    from datetime import UTC, datetime

    from apps.measurements.services import SampleRow, samples_upsert

    now = datetime.now(UTC)
    month = now.month - 1 or 12
    year = now.year if now.month > 1 else now.year - 1
    start = datetime(year, month, 2, tzinfo=UTC)
    samples_upsert(
        rows=[
            SampleRow(availability.pk, start, start.replace(hour=1), good=990, total=1000),
        ]
    )
    response = _preview(alice, indicator=availability.pk, target=str(Decimal("99.8")))
    assert "At risk:" in response.text
    assert "missed its own 99.9 % target" in response.text
