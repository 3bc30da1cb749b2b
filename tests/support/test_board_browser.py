"""A support lead watches the live board in a real browser: a clock turns amber, then red, the
lead records the breach's cause and finds it in the quarterly business review.

Time is driven with time-machine in the test process, where the live server's thread runs too:
the board's next poll (every second here) reads the clocks at the moved instant.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.core.roles import SUPPORT
from apps.support.models import BreachCause, BreachReview
from apps.support.services import clocks_evaluate, ticket_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_CLOCK = "#board-P1 tbody tr:first-child [data-colour]"


def wait_for_colour(page, colour: str) -> None:
    page.wait_for_function(
        "([selector, colour]) => {"
        " const light = document.querySelector(selector);"
        " return light && light.dataset.colour === colour; }",
        arg=[FIRST_CLOCK, colour],
    )


def test_a_lead_watches_a_clock_turn_amber_then_red_and_reviews_its_cause(
    live_server, page, screenshot, payments, matrix, settings
):
    settings.SUPPORT_BOARD_REFRESH_SECONDS = 1
    UserFactory(username="lena", first_name="Lena", roles=[SUPPORT])
    cause = BreachCause.objects.get_or_create(name="Understaffed shift")[0]
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        now = timezone.now()
        # P1: first response within 15 minutes, 24x7. Opened a minute ago: green.
        ticket = ticket_create(
            source="builtin",
            external_id="B-1",
            service=payments,
            priority="P1",
            subject="Card payments declined",
            assignee="lena",
            created_at=now - timedelta(minutes=1),
            now=now,
        )
        ticket_create(
            source="builtin",
            external_id="B-2",
            service=payments,
            priority="P2",
            subject="Export is slow",
            created_at=now,
            now=now,
        )
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "lena")
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.wait_for_load_state()

        page.click("header nav >> text=Live board")
        page.wait_for_url("**/support/board/")
        assert page.inner_text("#board-P1 tbody tr:first-child th").startswith("B-1")
        assert page.get_attribute(FIRST_CLOCK, "data-colour") == "green"
        assert page.locator("#board-P2 tbody tr").count() == 2
        screenshot("support-board-01-green")

        traveller.shift(timedelta(minutes=11))  # 12 of 15 minutes and a few seconds: 80 %
        wait_for_colour(page, "amber")
        assert re.fullmatch(r"Response [23]m left", page.inner_text(FIRST_CLOCK))
        assert "1 amber" in page.inner_text("#board-P1 h2")
        # Refreshed in the browser, the time is written as the page writes it (24-hour, UTC).
        assert re.fullmatch(r"As of \d\d:\d\d:\d\d\.", page.inner_text("#refreshed"))
        screenshot("support-board-02-amber")

        traveller.shift(timedelta(minutes=5))  # 17 of 15 minutes
        wait_for_colour(page, "red")
        assert re.fullmatch(r"Response [23]m over", page.inner_text(FIRST_CLOCK))
        assert "1 red" in page.inner_text("#board-P1 h2")
        screenshot("support-board-03-red")

        # The minute's sweep stores the breach; the breach then asks the lead for a cause.
        assert clocks_evaluate(now=timezone.now()) == 1
        page.click("text=Breaches to analyse")
        page.wait_for_url("**/support/breaches/")
        row = page.locator("#breaches tbody tr", has_text="B-1")
        row.locator("select[name=cause]").select_option(label=cause.name)
        row.locator("input[name=note]").fill("Two agents out sick; nobody on the P1 queue.")
        screenshot("support-board-04-breach-cause")
        row.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "Cause recorded for B-1 (response)." in page.inner_text(".messages")
        assert "Every breach has a cause." in page.inner_text("#breaches")
        screenshot("support-board-05-cause-recorded")

        # The quarter's business review counts the breach under the cause just given.
        page.goto(f"{live_server.url}/support/reports/")
        page.select_option("#id_kind", "quarterly")
        page.select_option("#id_scope", "service")
        page.select_option("#id_service", label="Payments API")
        page.fill("#id_period_start", timezone.localdate().isoformat())
        page.click("button:has-text('Request')")
        page.wait_for_url("**/support/reports/*/")
        counted = page.locator("#report-causes tbody tr", has_text=cause.name).inner_text()
        assert counted.split() == [*cause.name.split(), "1"]
        screenshot("support-board-06-quarterly-report")

    review = BreachReview.objects.get()
    assert (review.clock.ticket_id, review.cause, review.recorded_by.username) == (
        ticket.pk,
        cause,
        "lena",
    )
    assert review.note == "Two agents out sick; nobody on the P1 queue."
    assert errors == []
