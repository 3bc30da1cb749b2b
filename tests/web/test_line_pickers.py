"""The line form's pickers say what is picked: the indicator's service, the schedule's tiers."""

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from apps.catalog.choices import IndicatorKind
from apps.contracts.models import Commitment, CreditSchedule
from tests.factories import CreditScheduleFactory, IndicatorFactory, ServiceFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def search_availability(search_team):
    search = ServiceFactory(slug="search", name="Search", team=search_team)
    return IndicatorFactory(service=search, name="Availability", kind=IndicatorKind.AVAILABILITY)


def test_sales_form_names_the_service_of_each_indicator(
    alice, availability, search_availability, schedule
):
    html = client_as(alice).get(reverse("contracts:create")).content.decode()

    assert f'<option value="{availability.pk}">Payments API · Availability</option>' in html
    assert f'<option value="{search_availability.pk}">Search · Availability</option>' in html


def test_sales_form_shows_each_schedules_tiers_and_cap(alice, availability):
    CreditScheduleFactory(name="Cloud", cap_percent=Decimal("50"))

    html = client_as(alice).get(reverse("contracts:create")).content.decode()

    assert (
        "Cloud: ≥ 99 and &lt; 99.99 % → 10 %; ≥ 95 and &lt; 99 % → 25 %; &lt; 95 % → 100 %; "
        "cap 50 %</option>"
    ) in html


def test_schedule_summary_reads_its_tiers_in_two_queries(django_assert_num_queries):
    CreditScheduleFactory(name="A")
    CreditScheduleFactory(name="B")

    with django_assert_num_queries(2):
        summaries = [s.summary() for s in CreditSchedule.objects.prefetch_related("tiers")]

    assert summaries[0].startswith("A: ≥ 99 and < 99.99 % → 10 %")


def test_admin_line_page_shows_the_schedule_with_its_tiers(aligned_line):
    shown = site._registry[Commitment].credit_schedule_terms(aligned_line)

    assert shown.startswith("Standard cloud credits: ≥ 99 and < 99.99 % → 10 %")
    assert str(aligned_line.indicator) == "Payments API · Availability"


def test_admin_line_page_renders_the_terms(client, bob, aligned_line):
    client.force_login(bob)

    html = client.get(reverse("admin:contracts_commitment_change", args=[aligned_line.pk]))

    assert html.status_code == 200
    text = html.content.decode()
    assert "Standard cloud credits: ≥ 99 and &lt; 99.99 % → 10 %" in text
    assert "Payments API · Availability" in text


@pytest.mark.django_db(transaction=True)
def test_the_pickers_in_a_browser(live_server, page, screenshot, alice, availability, schedule):
    ServiceFactory(slug="search", name="Search")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}{reverse('contracts:create')}")
    page.select_option("#id_lines-0-indicator", label="Payments API · Availability")
    page.select_option("#id_lines-0-credit_schedule", index=1)

    chosen = page.eval_on_selector(
        "#id_lines-0-credit_schedule", "s => s.options[s.selectedIndex].text"
    )
    assert chosen.startswith("Standard cloud credits: ≥ 99 and < 99.99 % → 10 %")
    screenshot("pickers-01-line-form")
