"""Every page names its icon, and /favicon.ico (asked for by pages that do not) leads to it."""

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_pages_link_the_icon_and_it_is_a_static_file(client):
    html = client.get("/login/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert finders.find("favicon.svg")


def test_favicon_ico_redirects_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"


@pytest.mark.django_db(transaction=True)
def test_no_request_of_the_sign_in_page_fails_in_a_browser(live_server, page):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    page.goto(f"{live_server.url}/login/")
    icon = page.evaluate("fetch('/favicon.ico').then(r => [r.status, r.url])")

    assert icon == [200, f"{live_server.url}/static/favicon.svg"]
    assert failed == []
