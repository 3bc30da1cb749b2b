"""Who may read the dashboards: leadership and superusers everything; engineering and legal the
drill-downs; sales and people without a role nothing."""

import pytest
from django.urls import reverse

from tests.web.helpers import client_as

pytestmark = pytest.mark.django_db

PORTFOLIO_PAGES = [
    "/dashboards/",
    "/dashboards/?format=csv",
    "/dashboards/commitments/?verdict=MISMATCH",
    "/dashboards/contracts/?renewal=90d",
    "/dashboards/contracts/?exposure=1",
    "/dashboards/credits/",
    "/dashboards/slos/?budget=exhausted",
]


def drilldown_pages(world):
    customer = world.customers["acme"].pk
    return [
        "/dashboards/browse/",
        "/dashboards/services/payments-api/",
        "/dashboards/services/payments-api/?format=csv&table=credits",
        f"/dashboards/customers/{customer}/",
        f"/dashboards/customers/{customer}/?format=csv&table=lines",
    ]


@pytest.mark.parametrize("who", ["alice", "mallory"])
def test_sales_and_people_without_a_role_get_403_everywhere(world, who, request):
    browser = client_as(request.getfixturevalue(who))
    for url in PORTFOLIO_PAGES + drilldown_pages(world):
        response = browser.get(url)
        assert response.status_code == 403, url
        assert b"350.00" not in response.content


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_engineering_and_legal_read_the_drilldowns_but_not_the_portfolio(world, who, request):
    browser = client_as(request.getfixturevalue(who))
    for url in PORTFOLIO_PAGES:
        assert browser.get(url).status_code == 403, url
    for url in drilldown_pages(world):
        assert browser.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["dave", "root"])
def test_leadership_and_superusers_read_everything(world, who, request):
    browser = client_as(request.getfixturevalue(who))
    for url in PORTFOLIO_PAGES + drilldown_pages(world):
        assert browser.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    response = client.get("/dashboards/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_leads_each_role_to_what_it_may_read(world, dave, bob, alice, mallory):
    assert 'href="/dashboards/">Dashboards' in client_as(dave).get("/contracts/").text
    assert 'href="/dashboards/browse/">Dashboards' in client_as(bob).get("/contracts/").text
    assert "Dashboards</a>" not in client_as(alice).get("/contracts/").text
    assert "Dashboards</a>" not in client_as(mallory).get("/contracts/").text


def test_the_dashboards_refuse_writes(world, dave):
    assert client_as(dave).post("/dashboards/").status_code == 405
