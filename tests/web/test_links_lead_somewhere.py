"""Every link a page draws leads to a page: no 404 (in DEBUG, Django's debug page) and no 500.

Each role walks the demo data from the start page, following the links of the portal's own
pages (not the admin's, the API's or CSV downloads), breadth first, a bounded number of pages.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

pytestmark = pytest.mark.django_db

PAGES_PER_ROLE = 120
SKIPPED_PREFIXES = ("/admin/", "/api/", "/logout/", "/login/", "/static/")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def followed(base: str, href: str) -> str | None:
    url = urlparse(urljoin(base, href))
    if url.scheme not in ("", "http") or url.netloc not in ("", "testserver"):
        return None
    if url.path.startswith(SKIPPED_PREFIXES) or "format=csv" in url.query:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("username", ["alice", "bob", "carol", "dave"])
def test_every_link_drawn_for_a_role_leads_to_a_page(demo, client, username):
    client.force_login(get_user_model().objects.get(username=username))
    seen, queue, broken = {"/"}, deque(["/"]), []
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        path = queue.popleft()
        response = client.get(path, follow=True)
        visited += 1
        if response.status_code in (404, 500):
            broken.append((path, response.status_code, response.redirect_chain))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            target = followed(path, href)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    assert broken == []
    assert visited > 5
