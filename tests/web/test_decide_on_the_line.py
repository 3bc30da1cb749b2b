"""Engineering approves or rejects a line on the contract page, and sales reads the rejection
where they edit the line."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.contracts import services
from apps.contracts.choices import ContractStatus
from apps.contracts.models import SignOff
from apps.core.validators import TEXT_MAX_LENGTH
from tests.admin.conftest import in_review_line  # noqa: F401 (the line in review)

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(in_review_line):  # noqa: F811 (the imported fixture, by name)
    return in_review_line


def _decide(user, line, **data):
    url = reverse("contracts:line-decide", args=[line.contract_id, line.pk])
    return client_as(user).post(url, data, follow=True)


def _page(user, line) -> str:
    return client_as(user).get(reverse("contracts:detail", args=[line.contract_id])).text


def test_the_owning_teams_engineer_sees_approve_and_reject(bob, line):
    page = _page(bob, line)
    assert 'name="decision" value="approve"' in page
    assert 'name="decision" value="reject"' in page
    assert f'action="/contracts/{line.contract_id}/lines/{line.pk}/decide/"' in page


@pytest.mark.parametrize("who", ["alice", "erin", "carol", "dave"])
def test_no_buttons_for_sales_other_teams_legal_or_leadership(request, who, line):
    page = _page(request.getfixturevalue(who), line)
    assert "data-line-decision" not in page


def test_approving_writes_the_sign_off_and_its_history(bob, line):
    response = _decide(bob, line, decision="approve", comment="Backed by the SLO.")
    assert "“Availability ≥ 99.8 %” approved." in response.text
    signoff = SignOff.objects.get(commitment=line)
    assert (signoff.decision, signoff.decided_by, signoff.comment) == (
        "approve",
        bob,
        "Backed by the SLO.",
    )
    assert signoff.history.get().history_user == bob
    # Decided: the buttons are gone.
    assert "data-line-decision" not in _page(bob, line)


def test_rejecting_writes_the_comment_and_requests_changes(bob, line):
    _decide(bob, line, decision="reject", comment="Too tight for our error budget.")
    signoff = SignOff.objects.get(commitment=line)
    assert (signoff.decision, signoff.comment) == ("reject", "Too tight for our error budget.")
    line.contract.refresh_from_db()
    assert line.contract.status == ContractStatus.CHANGES_REQUESTED
    assert line.contract.history.first().history_user == bob


def test_rejecting_without_a_comment_names_the_field_and_changes_nothing(bob, line):
    response = _decide(bob, line, decision="reject", comment="  ")
    assert "Nothing changed: Comment: Say why the line is rejected." in response.text
    assert not SignOff.objects.exists()
    line.contract.refresh_from_db()
    assert line.contract.status == ContractStatus.IN_REVIEW


def test_an_unknown_decision_names_the_field(bob, line):
    response = _decide(bob, line, decision="maybe")
    assert "Nothing changed: Decision: Choose Approve or Reject." in response.text
    assert not SignOff.objects.exists()


def test_a_comment_too_long_names_the_field(bob, line):
    response = _decide(bob, line, decision="approve", comment="x" * (TEXT_MAX_LENGTH + 1))
    assert "Nothing changed: Comment: Ensure this value has at most 10000 characters" in (
        response.text
    )
    assert not SignOff.objects.exists()


@pytest.mark.parametrize("who", ["alice", "erin", "carol"])
def test_anyone_else_gets_403_and_nothing_is_written(request, who, line):
    user = request.getfixturevalue(who)
    url = reverse("contracts:line-decide", args=[line.contract_id, line.pk])
    response = client_as(user).post(url, {"decision": "approve", "comment": "ok"})
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_the_form_is_csrf_protected(bob, line):
    url = reverse("contracts:line-decide", args=[line.contract_id, line.pk])
    response = client_as(bob, enforce_csrf_checks=True).post(url, {"decision": "approve"})
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_a_line_of_another_contract_is_404(bob, line, acme, alice):
    other = services.contract_create(
        user=alice,
        customer=acme,
        number="ACME-404",
        monthly_fee=Decimal("10"),
        currency="EUR",
        start_date=line.contract.start_date,
    )
    url = reverse("contracts:line-decide", args=[other.pk, line.pk])
    assert client_as(bob).post(url, {"decision": "approve"}).status_code == 404


def test_sales_reads_the_rejection_where_they_edit_the_line(alice, bob, line):
    _decide(bob, line, decision="reject", comment="Our SLO cannot back 99.8 % this quarter.")
    edit = client_as(alice).get(reverse("contracts:edit", args=[line.contract_id])).text
    signoff = SignOff.objects.get(commitment=line)
    assert "data-rejection" in edit
    assert "Engineering rejected the target 99.8 %" in edit
    assert "“Our SLO cannot back 99.8 % this quarter.”" in edit
    assert f"bob on {timezone.localtime(signoff.decided_at):%Y-%m-%d %H:%M}" in edit


def test_the_rejection_still_names_the_target_it_rejected_after_lowering(alice, bob, line):
    _decide(bob, line, decision="reject", comment="Too tight.")
    services.commitment_update(commitment=line, user=alice, target=Decimal("99.5"))
    edit = client_as(alice).get(reverse("contracts:edit", args=[line.contract_id])).text
    assert "Engineering rejected the target 99.8 %" in edit
    assert "(the line has changed since)" in edit


def _contract_of(count, *, alice, bob, acme, availability, rejected):
    contract = services.contract_create(
        user=alice,
        customer=acme,
        number=f"EDIT-{count}-{rejected}",
        monthly_fee=Decimal("10"),
        currency="EUR",
        start_date=timezone.localdate(),
    )
    lines = [
        services.commitment_create(
            contract=contract, user=alice, indicator=availability, target=Decimal("99.5")
        )
        for _ in range(count)
    ]
    if rejected:
        services.contract_submit(contract=contract, user=alice)
        # The first rejection sends the contract back to sales: the others stay undecided.
        _decide(bob, lines[-1], decision="reject", comment="No to the last line.")
    return contract


def test_showing_the_rejection_costs_no_query_more(alice, bob, acme, availability, slo):
    actors = {"alice": alice, "bob": bob, "acme": acme, "availability": availability}
    browser = client_as(alice)
    counts = []
    for rejected in (False, True):
        contract = _contract_of(3, rejected=rejected, **actors)
        url = reverse("contracts:edit", args=[contract.pk])
        browser.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            page = browser.get(url).text
        counts.append(len(queries))
        assert page.count("data-rejection") == (1 if rejected else 0)
    assert counts[0] == counts[1]


def test_the_edit_page_costs_the_same_for_1_and_4_lines(alice, bob, acme, availability, slo):
    actors = {"alice": alice, "bob": bob, "acme": acme, "availability": availability}
    browser = client_as(alice)
    counts = []
    for count in (1, 4):
        url = reverse("contracts:edit", args=[_contract_of(count, rejected=True, **actors).pk])
        browser.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            browser.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]
