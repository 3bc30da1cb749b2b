"""Refusals and missing pages are Covenant's own pages: they say why and where to go next."""

import pytest
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_sales_on_the_portfolio_is_told_why_and_where_to_go(client, alice):
    client.force_login(alice)

    response = client.get("/dashboards/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not open this page" in html
    assert "The portfolio dashboard is for leadership." in html
    assert "You are signed in as <strong>Alice" in html
    assert "(Sales)" in html
    assert 'href="/contracts/">Contracts</a>' in html
    assert "/static/css/covenant.css" in html  # styled like every other page


def test_user_without_a_role_is_told_so(client, mallory):
    client.force_login(mallory)

    response = client.get("/dashboards/services/payments-api/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "for leadership, engineering and legal" in html
    assert "with no role yet" in html
    assert "ask an administrator" in html


def test_missing_contract_is_a_styled_not_found_page(client, alice):
    client.force_login(alice)

    response = client.get("/contracts/987654/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "This page does not exist" in html
    assert "<code>/contracts/987654/</code>" in html
    assert 'href="/contracts/">Contracts</a>' in html
    assert "/static/css/covenant.css" in html


def test_unknown_address_signed_out_offers_the_sign_in(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()
    assert 'href="/login/?next=/no-such-page/">Sign in</a>' in response.content.decode()


def test_server_error_page_needs_neither_database_nor_request(django_assert_num_queries):
    request = RequestFactory().get("/contracts/")

    with django_assert_num_queries(0):
        response = defaults.server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "not in what you did" in html
    assert "/static/css/covenant.css" in html
