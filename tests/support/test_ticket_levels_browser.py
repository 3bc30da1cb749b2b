"""The ticket page's escalation levels in a real browser (a screenshot for the record)."""

from datetime import timedelta

import pytest

from apps.core.roles import SUPPORT
from apps.support import services
from tests.factories import UserFactory

from .conftest import T0
from .test_escalations import _ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_ticket_page_lists_the_levels_fired_and_not_yet(
    live_server, page, screenshot, payments, matrix, policy, pagerduty
):
    UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])
    ticket = _ticket(payments)
    services.clocks_evaluate(now=T0 + timedelta(minutes=8))
    services.clocks_evaluate(now=T0 + timedelta(minutes=16))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/support/tickets/{ticket.pk}/")

    rows = page.locator("#levels tbody tr")
    assert rows.count() == 3
    assert "not yet" in rows.nth(2).inner_text()
    assert "payments on-call" in rows.nth(1).inner_text()
    assert errors == []
    screenshot("support-03-ticket-levels")
