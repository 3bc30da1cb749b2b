"""The ticket list and the metrics page in a real browser: colours, self-refresh, charts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.roles import SUPPORT
from apps.support import views
from apps.support.services import ticket_create, ticket_event_add
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_ticket_list_and_metrics_page(live_server, page, screenshot, payments, matrix, monkeypatch):
    monkeypatch.setattr(views, "REFRESH_SECONDS", 1)
    UserFactory(username="sam", first_name="Sam", roles=[SUPPORT])
    now = timezone.now()
    for n, (minutes, priority) in enumerate(((1, "P1"), (12, "P1"), (20, "P1"), (90, "P2"))):
        ticket = ticket_create(
            source="builtin",
            external_id=f"B-{n + 1}",
            service=payments,
            priority=priority,
            subject=f"Card payments declined ({minutes} min ago)",
            created_at=now - timedelta(minutes=minutes),
            now=now,
        )
    ticket_event_add(ticket=ticket, type="public_reply", at=now - timedelta(minutes=30), now=now)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/support/")
    colours = page.eval_on_selector_all(
        "#tickets [data-colour]", "spans => spans.map(s => s.dataset.colour)"
    )
    assert colours[:6] == ["green", "green", "amber", "green", "red", "green"]
    server_stamp = page.inner_text("#refreshed")
    page.wait_for_function(
        "stamp => document.getElementById('refreshed').textContent !== stamp", arg=server_stamp
    )
    assert page.locator("#tickets tbody tr").count() == 4
    screenshot("support-01-ticket-list")

    page.goto(f"{live_server.url}/support/metrics/")
    drawn = page.eval_on_selector_all(
        "svg.chart",
        "charts => charts.map(c => ({id: c.id, width: c.getBoundingClientRect().width,"
        " series: [...c.querySelectorAll('g.series')].map(g => g.dataset.series),"
        " tickets: [...c.querySelectorAll('rect.bar')].map(b => b.dataset.value)}))",
    )
    assert [chart["id"] for chart in drawn] == ["chart-within", "chart-response", "chart-tickets"]
    assert [len(chart["series"]) for chart in drawn] == [2, 2, 1]
    assert all(chart["width"] > 300 for chart in drawn)
    assert drawn[2]["tickets"] == ["3", "1", "0", "0"]
    assert errors == []
    screenshot("support-02-metrics")
